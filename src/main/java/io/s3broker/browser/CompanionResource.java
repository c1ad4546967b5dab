package io.s3broker.browser;

import java.util.Map;

import jakarta.ws.rs.GET;
import jakarta.ws.rs.NotFoundException;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.jboss.resteasy.reactive.ResponseHeader;
import org.jboss.resteasy.reactive.RestQuery;

import io.s3broker.access.CredentialVending;
import io.s3broker.auth.Caller;
import io.s3broker.browser.BrowserAnswers.SessionCredentials;
import io.s3broker.browser.BrowserAnswers.TemporaryCredentials;
import io.s3broker.browser.BrowserAnswers.UploadParameters;
import io.s3broker.rest.RequestValidator;
import io.smallrye.mutiny.Uni;

/**
 * Uppy Companion's S3 API (@uppy/companion 6.2.2, {@code src/server/controllers/s3.js}: same routes, same JSON), so
 * that {@code @uppy/aws-s3} uploads straight to S3 with the broker as its signing server: the simple upload and the
 * credentials here, the multipart upload in {@link CompanionMultipartResource}, the rules in {@link BrowserUploads}.
 */
@Path("/s3")
@Produces(MediaType.APPLICATION_JSON)
// The errors of its own, said once for the class; those of every route are in CommonErrorResponses.
@APIResponse(responseCode = "404", ref = "Error")
public class CompanionResource {

    private final BrowserUploads uploads;
    private final RequestValidator validate;
    private final CredentialVending vending;

    public CompanionResource(BrowserUploads uploads, RequestValidator validate, CredentialVending vending) {
        this.uploads = uploads;
        this.validate = validate;
        this.vending = vending;
    }

    @GET
    @Path("params")
    @ResponseHeader(name = "Cache-Control", value = "no-store")
    @Operation(summary = "Companion API: an S3 POST policy for a simple upload (the broker chooses the key; S3 takes"
            + " at most broker.upload.max-size)")
    @APIResponse(responseCode = "200", description = "method POST, url, fields to send before the file, expires (seconds)")
    public Uni<UploadParameters> params(@Context Caller caller, @RestQuery String filename, @RestQuery String type) {
        BrowserUploads.NewObject upload = uploads.newObject(caller, "companion-params",
                BrowserInput.filename("filename", filename));
        return uploads.postPolicy(upload, "companion-params", validate.contentType(type))
                .map(post -> new UploadParameters("POST", post.url(), post.fields(), Map.of(),
                        uploads.secondsUntil(post.expiresAt())));
    }

    @GET
    @Path("sts")
    @ResponseHeader(name = "Cache-Control", value = "no-store")
    @Operation(summary = "Temporary credentials that may write under the caller's own prefix only (Uppy 6"
            + " getCredentials, Companion's names too; only where credential vending is on)")
    @APIResponse(responseCode = "200", description = "{credentials: {accessKeyId, secretAccessKey, sessionToken,"
            + " expiration, and the same as AccessKeyId, ...}, bucket, region, keyPrefix}")
    public Uni<TemporaryCredentials> sts(@Context Caller caller) {
        String bucket = uploads.bucket();
        if (!vending.enabled()) {
            throw new NotFoundException();
        }
        String prefix = uploads.callerPrefix(caller);
        return vending.forPrefix(caller, "s3-sts", bucket, prefix).map(vended -> new TemporaryCredentials(
                new SessionCredentials(vended.accessKeyId(), vended.secretAccessKey(), vended.sessionToken(),
                        vended.expiration()), bucket, uploads.region(), prefix));
    }
}
