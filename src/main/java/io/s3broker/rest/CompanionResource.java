package io.s3broker.rest;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;

import jakarta.enterprise.event.Observes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.NotFoundException;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.ResponseHeader;
import org.jboss.resteasy.reactive.RestQuery;

import com.fasterxml.jackson.annotation.JsonProperty;

import io.quarkus.runtime.StartupEvent;
import io.s3broker.access.AccessPolicy;
import io.s3broker.access.Audit;
import io.s3broker.auth.Caller;
import io.s3broker.config.BrokerConfig;
import io.s3broker.credentials.Access;
import io.s3broker.credentials.CachedCredentials;
import io.s3broker.credentials.Scope;
import io.s3broker.credentials.ScopeCredentials;
import io.s3broker.credentials.ScopedCredentials;
import io.s3broker.logging.LogText;
import io.s3broker.s3.ObjectLocation;
import io.s3broker.s3.PresignedPost;
import io.s3broker.s3.UrlPresigner;
import io.smallrye.mutiny.Uni;
import io.vertx.ext.web.RoutingContext;
import software.amazon.awssdk.auth.credentials.AwsSessionCredentials;

/**
 * Uppy Companion's S3 API (@uppy/companion 6.2.2, {@code src/server/controllers/s3.js}: same routes, same JSON), so
 * that {@code @uppy/aws-s3} uploads straight to S3 with the broker as its signing server: the browser sends the
 * bytes to S3 (a POST form for a simple upload, presigned URLs for parts), the broker signs, creates, lists, completes
 * and aborts. Behind it the broker's own rules: an authenticated caller, keys the broker chooses under the caller's
 * own prefix, the write allow-list, the scope's credentials, and {@code broker.upload.max-size}. Off (404) while
 * {@code broker.companion.bucket} is unset. The simple upload and the credentials are here, the multipart upload in
 * {@link CompanionMultipartResource}. Why and how: docs/decisions/0015-companion-api.md,
 * docs/decisions/0021-post-policy-uploads.md
 */
@Path("/s3")
@Produces(MediaType.APPLICATION_JSON)
public class CompanionResource {

    private static final Logger LOG = Logger.getLogger(CompanionResource.class);

    private final AccessPolicy access;
    private final RequestValidator validate;
    private final UrlPresigner presigner;
    private final Audit audit;
    private final ScopedCredentials credentials;
    private final Optional<String> bucket;
    private final String region;
    private final CompanionKeys keys;
    private final String keyPrefix;
    private final Duration expiry;
    private final Optional<String> acl;
    private final long maxSize;
    private final boolean postByRole;
    private final Duration roleSession;
    private final boolean vending;
    private final Duration vendingValidity;
    private final Clock clock = Clock.systemUTC();

    public CompanionResource(AccessPolicy access, RequestValidator validate, UrlPresigner presigner,
            Audit audit, ScopedCredentials credentials, BrokerConfig config) {
        this.access = access;
        this.validate = validate;
        this.presigner = presigner;
        this.audit = audit;
        this.credentials = credentials;
        this.maxSize = config.upload().maxSize().asLongValue();
        this.bucket = config.companion().bucket();
        this.region = config.region();
        this.keys = new CompanionKeys(config.companion().keyPrefix());
        this.keyPrefix = config.companion().keyPrefix();
        this.expiry = config.presign().defaultExpiry();
        this.acl = config.upload().acl();
        this.postByRole = config.companion().postSigner() == BrokerConfig.Companion.PostSigner.ROLE;
        this.roleSession = config.roleSessionDuration();
        this.vending = config.credentials().enabled();
        this.vendingValidity = config.credentials().duration().dividedBy(2);
    }

    void checkScopes(@Observes StartupEvent event) {
        bucket.ifPresent(this::warnOfSharedScopes);
    }

    /** Browser uploads under a literal write entry share one scope: only the broker, not S3, keeps callers apart. */
    private void warnOfSharedScopes(String target) {
        for (Caller caller : access.configuredCallers()) {
            if (!access.ownScope(caller, Access.WRITE, target, keys.callerPrefix(caller) + "x")) {
                LOG.warnf("Browser uploads of caller %s to %s/%s go under a literal write entry, whose credentials"
                        + " every caller of that entry shares: make it a templated one (%s/%s)",
                        LogText.escape(caller.name()), target, keys.callerPrefix(caller), target, keyPrefix);
            }
        }
    }

    /**
     * GET /s3/params: an S3 POST policy for a file uploaded in one request: the client POSTs {@code fields}, then the
     * file, as a form to {@code url}.
     */
    public record UploadParameters(String method, String url, Map<String, String> fields, Map<String, String> headers,
            long expires) {

        @Override
        public String toString() {
            return "UploadParameters[method=" + method + ", expires=" + expires + "]";
        }
    }

    /** GET /s3/sts: the shape of STS's Credentials, as Companion answers them. */
    public record StsCredentials(@JsonProperty("AccessKeyId") String accessKeyId,
            @JsonProperty("SecretAccessKey") String secretAccessKey, @JsonProperty("SessionToken") String sessionToken,
            @JsonProperty("Expiration") Instant expiration) {

        @Override
        public String toString() {
            return "StsCredentials[accessKeyId=" + accessKeyId + ", expiration=" + expiration + "]";
        }
    }

    /** GET /s3/sts. */
    public record TemporaryCredentials(StsCredentials credentials, String bucket, String region) {
    }

    @GET
    @Path("params")
    @ResponseHeader(name = "Cache-Control", value = "no-store")
    @Operation(summary = "Companion API: an S3 POST policy for a simple upload (the broker chooses the key; S3 takes"
            + " at most broker.upload.max-size)")
    @APIResponse(responseCode = "200", description = "method POST, url, fields to send before the file, expires (seconds)")
    @APIResponse(responseCode = "400", ref = "Error")
    @APIResponse(responseCode = "401", ref = "Error")
    @APIResponse(responseCode = "403", ref = "Error")
    @APIResponse(responseCode = "404", ref = "Error")
    @APIResponse(responseCode = "429", ref = "Error")
    @APIResponse(responseCode = "503", ref = "Error")
    public Uni<UploadParameters> params(RoutingContext ctx, @RestQuery String filename, @RestQuery String type) {
        String target = bucket();
        Caller caller = CallerFilter.caller(ctx);
        ObjectLocation object = new ObjectLocation(region, target, keys.newKey(caller,
                CompanionInput.filename("filename", filename)));
        Optional<String> contentType = validate.contentType(type);
        ScopeCredentials scope = access.authorize(caller, Access.WRITE, "companion-params", target, object.key());
        // A form's fields, unlike a presigned URL's headers, pass a CORS preflight at RGW: the policy holds the type,
        // the ACL and the size (docs/decisions/0021-post-policy-uploads.md).
        ScopeCredentials signing = postByRole ? credentials.forScope(Scope.unrestricted(roleSession)) : scope;
        return signer(signing).map(signer -> {
            PresignedPost post = presigner.presignPost(object, contentType, acl, maxSize, signer, expiry);
            audit.granted(caller, "companion-params", target, object.key(), post.expiresAt(),
                    signer.credentials().accessKeyId());
            return new UploadParameters("POST", post.url(), post.fields(), Map.of(), secondsUntil(post.expiresAt()));
        });
    }

    @GET
    @Path("sts")
    @ResponseHeader(name = "Cache-Control", value = "no-store")
    @Operation(summary = "Companion API: temporary credentials (only where credential vending is on)")
    @APIResponse(responseCode = "200", description = "{credentials: {AccessKeyId, SecretAccessKey, SessionToken,"
            + " Expiration}, bucket, region}")
    @APIResponse(responseCode = "400", ref = "Error")
    @APIResponse(responseCode = "401", ref = "Error")
    @APIResponse(responseCode = "403", ref = "Error")
    @APIResponse(responseCode = "404", ref = "Error")
    @APIResponse(responseCode = "429", ref = "Error")
    @APIResponse(responseCode = "503", ref = "Error")
    public Uni<TemporaryCredentials> sts(RoutingContext ctx) {
        String target = bucket();
        if (!vending) {
            throw new NotFoundException();
        }
        Caller caller = CallerFilter.caller(ctx);
        ScopeCredentials scope = access.vending(caller);
        return Uni.createFrom().completionStage(() -> scope.cache().get(vendingValidity)).map(cached -> {
            AwsSessionCredentials credentials = cached.credentials();
            audit.granted(caller, "vend", "-", scope.sessionName(), cached.expiresAt(), credentials.accessKeyId());
            return new TemporaryCredentials(new StsCredentials(credentials.accessKeyId(), credentials.secretAccessKey(),
                    credentials.sessionToken(), cached.expiresAt()), target, region);
        });
    }

    /** Credentials of the scope that cover a URL of the default lifetime if they can (a URL never outlives them). */
    private Uni<CachedCredentials> signer(ScopeCredentials scope) {
        return Uni.createFrom().completionStage(() -> scope.cache().get(expiry));
    }

    private String bucket() {
        return bucket.orElseThrow(NotFoundException::new);
    }

    private long secondsUntil(Instant expiresAt) {
        return Math.max(0, Duration.between(clock.instant(), expiresAt).toSeconds());
    }
}
