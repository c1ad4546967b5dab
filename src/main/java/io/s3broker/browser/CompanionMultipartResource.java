package io.s3broker.browser;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.jboss.resteasy.reactive.ResponseHeader;
import org.jboss.resteasy.reactive.RestPath;
import org.jboss.resteasy.reactive.RestQuery;

import io.s3broker.auth.Caller;
import io.s3broker.browser.BrowserAnswers.CompletedUpload;
import io.s3broker.browser.BrowserAnswers.CreatedUpload;
import io.s3broker.browser.BrowserAnswers.PresignedPart;
import io.s3broker.browser.BrowserAnswers.PresignedParts;
import io.s3broker.browser.BrowserAnswers.UploadedPart;
import io.s3broker.browser.BrowserRequests.NewUpload;
import io.s3broker.rest.RequestValidator;
import io.smallrye.mutiny.Uni;

/**
 * The multipart side of the Companion API ({@link CompanionResource}): create, list, sign parts, complete and abort
 * uploads whose parts the browser PUTs straight to S3, with the rules of {@link BrowserUploads}.
 */
@Path("/s3/multipart")
@Produces(MediaType.APPLICATION_JSON)
// The errors of its own, said once for the class; those of every route are in CommonErrorResponses.
@APIResponse(responseCode = "404", ref = "Error")
@APIResponse(responseCode = "413", ref = "Error")
@APIResponse(responseCode = "502", ref = "Error")
@APIResponse(responseCode = "504", ref = "Error")
public class CompanionMultipartResource {

    private final BrowserUploads uploads;
    private final BrowserInput input;
    private final RequestValidator validate;

    public CompanionMultipartResource(BrowserUploads uploads, BrowserInput input, RequestValidator validate) {
        this.uploads = uploads;
        this.input = input;
        this.validate = validate;
    }

    @POST
    @Operation(summary = "Companion API: start a multipart upload; body {filename, type, metadata}")
    @APIResponse(responseCode = "200", description = "key, uploadId, bucket")
    public Uni<CreatedUpload> create(@Context Caller caller, String body) {
        uploads.bucket();
        NewUpload request = input.body(body, NewUpload.class);
        var contentType = validate.contentType(request.type());
        return uploads.create(uploads.newObject(caller, "companion-create", request.filename()),
                contentType);
    }

    @GET
    @Path("{uploadId}")
    @ResponseHeader(name = "Cache-Control", value = "no-store")
    @Operation(summary = "Companion API: the parts uploaded so far (to resume)")
    @APIResponse(responseCode = "200", description = "[{PartNumber, ETag, Size, LastModified}]")
    public Uni<List<UploadedPart>> parts(@Context Caller caller, @RestPath String uploadId, @RestQuery String key) {
        return uploads.parts(uploads.owned(caller, "companion-list", uploadId, key));
    }

    @GET
    @Path("{uploadId}/batch")
    @ResponseHeader(name = "Cache-Control", value = "no-store")
    @Operation(summary = "Companion API: presigned UploadPart URLs for up to 1000 parts (partNumbers=1,2,3)")
    @APIResponse(responseCode = "200", description = "{presignedUrls: {partNumber: url}}")
    public Uni<PresignedParts> batch(@Context Caller caller, @RestPath String uploadId, @RestQuery String key,
            @RestQuery String partNumbers) {
        BrowserUploads.Owned upload = uploads.owned(caller, "companion-sign", uploadId, key);
        List<Integer> numbers = input.partNumbers(partNumbers);
        return uploads.signParts(upload, numbers, "companion-sign").map(urls -> {
            Map<String, String> byNumber = new LinkedHashMap<>();
            for (int i = 0; i < numbers.size(); i++) {
                byNumber.put(Integer.toString(numbers.get(i)), urls.get(i).url());
            }
            return new PresignedParts(byNumber);
        });
    }

    @GET
    @Path("{uploadId}/{partNumber}")
    @ResponseHeader(name = "Cache-Control", value = "no-store")
    @Operation(summary = "Companion API: a presigned UploadPart URL for one part")
    @APIResponse(responseCode = "200", description = "{url, expires}")
    public Uni<PresignedPart> part(@Context Caller caller, @RestPath String uploadId, @RestPath String partNumber,
            @RestQuery String key) {
        BrowserUploads.Owned upload = uploads.owned(caller, "companion-sign", uploadId, key);
        int number = input.partNumber("partNumber", partNumber);
        return uploads.signParts(upload, List.of(number), "companion-sign")
                .map(urls -> new PresignedPart(urls.get(0).url(), uploads.secondsUntil(urls.get(0).expiresAt())));
    }

    @POST
    @Path("{uploadId}/complete")
    @Operation(summary = "Companion API: assemble the parts; body {parts: [{PartNumber, ETag}]}")
    @APIResponse(responseCode = "200", description = "location, key, bucket")
    public Uni<CompletedUpload> complete(@Context Caller caller, @RestPath String uploadId, @RestQuery String key,
            String body) {
        BrowserUploads.Owned upload = uploads.owned(caller, "companion-complete", uploadId, key);
        return uploads.complete(upload, input.completedParts(body));
    }

    @DELETE
    @Path("{uploadId}")
    @Operation(summary = "Companion API: abort a multipart upload and drop its parts")
    @APIResponse(responseCode = "200", description = "{}")
    public Uni<Map<String, Object>> abort(@Context Caller caller, @RestPath String uploadId, @RestQuery String key) {
        return uploads.abort(uploads.owned(caller, "companion-abort", uploadId, key))
                .map(ignored -> Map.of());
    }
}
