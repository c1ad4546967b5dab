package io.s3broker.rest;

import java.util.Optional;

import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.ResponseHeader;
import org.jboss.resteasy.reactive.RestQuery;

import io.s3broker.config.BrokerConfig;
import io.s3broker.s3.ObjectLocation;
import io.s3broker.s3.PresignService;
import io.smallrye.mutiny.Uni;

/**
 * Presigned URLs: GET /item answers a URL to download an object directly from S3, GET /item/upload-url one to
 * upload it directly. The uploads that stream through the broker are in {@link UploadRoutes}.
 */
@Path("/item")
@Produces(MediaType.APPLICATION_JSON)
public class ItemResource {

    private static final Logger LOG = Logger.getLogger(ItemResource.class);

    private final RequestValidator validate;
    private final PresignService presign;
    private final Optional<String> acl;

    public ItemResource(RequestValidator validate, PresignService presign, BrokerConfig config) {
        this.validate = validate;
        this.presign = presign;
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
    @APIResponse(responseCode = "400", ref = "Error")
    @APIResponse(responseCode = "403", ref = "Error")
    @APIResponse(responseCode = "502", ref = "Error")
    @APIResponse(responseCode = "503", ref = "Error")
    @APIResponse(responseCode = "504", ref = "Error")
    @APIResponse(responseCode = "404", ref = "Error")
    public Uni<PresignedItem> get(@RestQuery String bucket, @RestQuery String key, @RestQuery String region,
            @RestQuery String expiresIn, @RestQuery String check) {
        ObjectLocation object = validate.location(bucket, key, region);
        var lifetime = validate.expiresIn(expiresIn);
        boolean mustExist = validate.flag("check", check, true);
        return presign.presignGet(object, lifetime, mustExist)
                .invoke(url -> LOG.debugf("Presigned %s for %s", url, object))
                .map(url -> new PresignedItem(true, url.url(), object.bucket(), object.key(), url.expiresAt()));
    }

    /**
     * 200 with a presigned PutObject URL for a client that uploads the object directly to S3. The client must
     * send the returned headers exactly as given (they are signed).
     */
    @GET
    @Path("upload-url")
    @ResponseHeader(name = "Cache-Control", value = "no-store")
    @Operation(summary = "Presign a PUT URL for a client that uploads directly to S3")
    @APIResponse(responseCode = "200", description = "The presigned URL and the headers to send with it")
    @APIResponse(responseCode = "400", ref = "Error")
    @APIResponse(responseCode = "403", ref = "Error")
    @APIResponse(responseCode = "502", ref = "Error")
    @APIResponse(responseCode = "503", ref = "Error")
    @APIResponse(responseCode = "504", ref = "Error")

    public Uni<PresignedUpload> uploadUrl(@RestQuery String bucket, @RestQuery String key, @RestQuery String region,
            @RestQuery String expiresIn, @RestQuery String contentType) {
        ObjectLocation object = validate.location(bucket, key, region);
        var lifetime = validate.expiresIn(expiresIn);
        Optional<String> type = validate.contentType(contentType);
        return presign.presignPut(object, lifetime, type, acl)
                .invoke(url -> LOG.debugf("Presigned %s for %s", url, object))
                .map(url -> new PresignedUpload(true, url.url(), url.method(), PresignedUpload.clientHeaders(url.signedHeaders()),
                        object.bucket(), object.key(), url.expiresAt()));
    }
}
