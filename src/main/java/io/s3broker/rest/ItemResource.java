package io.s3broker.rest;

import java.time.Duration;
import java.util.Optional;
import java.util.function.Function;

import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.ResponseHeader;
import org.jboss.resteasy.reactive.RestQuery;

import io.s3broker.access.AccessPolicy;
import io.s3broker.access.Audit;
import io.s3broker.auth.Caller;
import io.s3broker.config.BrokerConfig;
import io.s3broker.credentials.Access;
import io.s3broker.credentials.CachedCredentials;
import io.s3broker.credentials.ScopeCredentials;
import io.s3broker.s3.ObjectExistence;
import io.s3broker.s3.ObjectLocation;
import io.s3broker.s3.PresignedUrl;
import io.s3broker.s3.UrlPresigner;
import io.smallrye.mutiny.Uni;

/**
 * Presigned URLs: GET /item answers a URL to download an object directly from S3, GET /item/upload-url one to
 * upload it directly. The uploads that stream through the broker are in {@link UploadRoutes}.
 */
@Path("/item")
@Produces(MediaType.APPLICATION_JSON)
// The errors of both routes' STS and S3 calls; those of every route are in CommonErrorResponses.
@APIResponse(responseCode = "502", ref = "Error")
@APIResponse(responseCode = "504", ref = "Error")
public class ItemResource {

    private static final Logger LOG = Logger.getLogger(ItemResource.class);

    private final RequestValidator validate;
    private final AccessPolicy access;
    private final ObjectExistence existence;
    private final UrlPresigner presigner;
    private final Audit audit;
    private final Optional<String> acl;

    public ItemResource(RequestValidator validate, AccessPolicy access, ObjectExistence existence, UrlPresigner presigner,
            Audit audit, BrokerConfig config) {
        this.validate = validate;
        this.access = access;
        this.existence = existence;
        this.presigner = presigner;
        this.audit = audit;
        this.acl = config.upload().acl();
    }

    /**
     * 200 with a presigned GetObject URL; with {@code check=true} (the default) only for an object that exists.
     * The URL is a credential, so the answer must not be cached by anything in between.
     */
    @GET
    @ResponseHeader(name = "Cache-Control", value = "no-store")
    @Operation(summary = "Presign a GET URL for an object (checked to exist unless check=false)")
    @APIResponse(responseCode = "200", description = "The presigned URL")
    @APIResponse(responseCode = "404", ref = "Error")
    public Uni<PresignedItem> get(@Context Caller caller, @RestQuery String bucket, @RestQuery String key,
            @RestQuery String region, @RestQuery String expiresIn, @RestQuery String check) {
        ObjectLocation object = validate.location(bucket, key, region);
        Duration lifetime = validate.expiresIn(expiresIn);
        boolean mustExist = validate.flag("check", check, true);
        ScopeCredentials scope = access.authorize(caller, Access.READ, "presign-get", object.bucket(), object.key());
        return presign(caller, "presign-get", object, scope, lifetime, signer -> (mustExist
                ? existence.check(object, signer, scope)
                : Uni.createFrom().voidItem())
                .map(ignored -> presigner.presignGet(object, signer, lifetime)))
                .map(url -> new PresignedItem(true, url.url(), object.bucket(), object.key(), url.expiresAt()));
    }

    /**
     * 200 with a presigned PutObject URL for a client that uploads the object directly to S3. The client must send
     * the returned headers exactly as given (they are signed): a body of exactly {@code size} bytes, whose
     * Content-Length S3 checks, so that no upload through the URL is larger than {@code broker.upload.max-size}.
     */
    @GET
    @Path("upload-url")
    @ResponseHeader(name = "Cache-Control", value = "no-store")
    @Operation(summary = "Presign a PUT URL of a body of exactly size bytes, for a client that uploads directly to S3")
    @APIResponse(responseCode = "200", description = "The presigned URL and the headers to send with it")
    @APIResponse(responseCode = "413", ref = "Error")
    public Uni<PresignedUpload> uploadUrl(@Context Caller caller, @RestQuery String bucket, @RestQuery String key,
            @RestQuery String region, @RestQuery String expiresIn, @RestQuery String contentType,
            @RestQuery String size) {
        ObjectLocation object = validate.location(bucket, key, region);
        Duration lifetime = validate.expiresIn(expiresIn);
        Optional<String> type = validate.contentType(contentType);
        long length = validate.size(size);
        ScopeCredentials scope = access.authorize(caller, Access.WRITE, "presign-put", object.bucket(), object.key());
        return presign(caller, "presign-put", object, scope, lifetime,
                signer -> Uni.createFrom().item(() -> presigner.presignPut(object, length, type, acl, signer, lifetime)))
                .map(url -> new PresignedUpload(true, url.url(), url.method(), PresignedUpload.clientHeaders(url.signedHeaders()),
                        object.bucket(), object.key(), url.expiresAt()));
    }

    /**
     * Credentials of the scope that cover {@code lifetime} if they can, then the URL {@code sign} makes with them;
     * audited with the access key id that signed it.
     */
    private Uni<PresignedUrl> presign(Caller caller, String action, ObjectLocation object, ScopeCredentials scope,
            Duration lifetime, Function<CachedCredentials, Uni<PresignedUrl>> sign) {
        return Uni.createFrom().completionStage(() -> scope.cache().get(lifetime))
                .flatMap(signer -> sign.apply(signer).invoke(url -> {
                    audit.granted(caller, action, object.bucket(), object.key(), url.expiresAt(),
                            signer.credentials().accessKeyId());
                    LOG.debugf("Presigned %s for %s", url, object);
                }));
    }
}
