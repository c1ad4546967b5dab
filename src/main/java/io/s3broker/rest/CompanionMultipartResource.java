package io.s3broker.rest;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.NotFoundException;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.jboss.resteasy.reactive.ResponseHeader;
import org.jboss.resteasy.reactive.RestPath;
import org.jboss.resteasy.reactive.RestQuery;

import com.fasterxml.jackson.databind.ObjectMapper;

import io.s3broker.access.AccessDenied;
import io.s3broker.access.AccessPolicy;
import io.s3broker.access.Audit;
import io.s3broker.auth.Caller;
import io.s3broker.config.BrokerConfig;
import io.s3broker.credentials.Access;
import io.s3broker.credentials.CachedCredentials;
import io.s3broker.credentials.ScopeCredentials;
import io.s3broker.rest.CompanionAnswers.CompletedUpload;
import io.s3broker.rest.CompanionAnswers.CreatedUpload;
import io.s3broker.rest.CompanionAnswers.PresignedPart;
import io.s3broker.rest.CompanionAnswers.PresignedParts;
import io.s3broker.rest.CompanionAnswers.UploadedPart;
import io.s3broker.rest.error.BrokerException;
import io.s3broker.rest.error.ErrorCode;
import io.s3broker.s3.ObjectLocation;
import io.s3broker.s3.OpenUploads;
import io.s3broker.s3.PresignedUrl;
import io.s3broker.s3.S3Store;
import io.s3broker.s3.UrlPresigner;
import io.s3broker.s3.WriteTarget;
import io.smallrye.mutiny.Uni;
import io.vertx.ext.web.RoutingContext;
import software.amazon.awssdk.services.s3.model.CompletedPart;

/**
 * The multipart side of the Companion API ({@link CompanionResource}): create, list, sign parts, complete and abort
 * uploads whose parts the browser PUTs straight to S3. Only under the caller's own keys, with the scope's
 * credentials; part numbers and the completed size within {@code broker.upload.max-size}.
 */
@Path("/s3/multipart")
@Produces(MediaType.APPLICATION_JSON)
public class CompanionMultipartResource {

    private final AccessPolicy access;
    private final RequestValidator validate;
    private final UrlPresigner presigner;
    private final S3Store store;
    private final OpenUploads open;
    private final Audit audit;
    private final CompanionInput input;
    private final Optional<String> bucket;
    private final String region;
    private final CompanionKeys keys;
    private final Duration expiry;
    private final Optional<String> acl;
    private final long maxSize;

    public CompanionMultipartResource(AccessPolicy access, RequestValidator validate, UrlPresigner presigner,
            S3Store store, OpenUploads open, Audit audit, ObjectMapper json, BrokerConfig config) {
        this.access = access;
        this.validate = validate;
        this.presigner = presigner;
        this.store = store;
        this.open = open;
        this.audit = audit;
        this.maxSize = config.upload().maxSize().asLongValue();
        this.input = new CompanionInput(maxSize, json);
        this.bucket = config.companion().bucket();
        this.region = config.region();
        this.keys = new CompanionKeys(config.companion().keyPrefix());
        this.expiry = config.presign().defaultExpiry();
        this.acl = config.upload().acl();
    }

    @POST
    @Operation(summary = "Companion API: start a multipart upload; body {filename, type, metadata}")
    @APIResponse(responseCode = "200", description = "key, uploadId, bucket")
    @APIResponse(responseCode = "400", ref = "Error")
    @APIResponse(responseCode = "401", ref = "Error")
    @APIResponse(responseCode = "403", ref = "Error")
    @APIResponse(responseCode = "404", ref = "Error")
    @APIResponse(responseCode = "429", ref = "Error")
    @APIResponse(responseCode = "502", ref = "Error")
    @APIResponse(responseCode = "503", ref = "Error")
    @APIResponse(responseCode = "504", ref = "Error")
    public Uni<CreatedUpload> create(RoutingContext ctx, String body) {
        String target = bucket();
        Caller caller = CallerFilter.caller(ctx);
        CompanionInput.NewUpload request = input.newUpload(body);
        Optional<String> contentType = validate.contentType(request.type());
        ObjectLocation object = new ObjectLocation(region, target, keys.newKey(caller, request.filename()));
        // The allow-list decides before any STS or S3 call.
        ScopeCredentials scope = access.authorize(caller, Access.WRITE, "companion-create", target, object.key());
        return signer(scope)
                .flatMap(signer -> uni(() -> store.createMultipartUpload(new WriteTarget(object, contentType, acl,
                        scope))).invoke(uploadId -> {
                    open.created(uploadId, caller.name(), object, scope);
                    audit.granted(caller, "companion-create", target, object.key(), null,
                            signer.credentials().accessKeyId());
                }))
                .map(uploadId -> new CreatedUpload(object.key(), uploadId, target));
    }

    @GET
    @Path("{uploadId}")
    @ResponseHeader(name = "Cache-Control", value = "no-store")
    @Operation(summary = "Companion API: the parts uploaded so far (to resume)")
    @APIResponse(responseCode = "200", description = "[{PartNumber, ETag, Size, LastModified}]")
    @APIResponse(responseCode = "400", ref = "Error")
    @APIResponse(responseCode = "401", ref = "Error")
    @APIResponse(responseCode = "403", ref = "Error")
    @APIResponse(responseCode = "404", ref = "Error")
    @APIResponse(responseCode = "429", ref = "Error")
    @APIResponse(responseCode = "502", ref = "Error")
    @APIResponse(responseCode = "503", ref = "Error")
    @APIResponse(responseCode = "504", ref = "Error")
    public Uni<List<UploadedPart>> parts(RoutingContext ctx, @RestPath String uploadId, @RestQuery String key) {
        Owned upload = owned(ctx, "companion-list", uploadId, key);
        return uni(() -> store.listParts(upload.object(), upload.uploadId(), 0, upload.scope()))
                .invoke(ignored -> open.checked(upload.uploadId(), upload.caller().name(), upload.object(), upload.scope()))
                .map(parts -> parts.stream()
                        .map(p -> new UploadedPart(p.partNumber(), p.etag(), p.size(), p.lastModified())).toList());
    }

    @GET
    @Path("{uploadId}/batch")
    @ResponseHeader(name = "Cache-Control", value = "no-store")
    @Operation(summary = "Companion API: presigned UploadPart URLs for up to 1000 parts (partNumbers=1,2,3)")
    @APIResponse(responseCode = "200", description = "{presignedUrls: {partNumber: url}}")
    @APIResponse(responseCode = "400", ref = "Error")
    @APIResponse(responseCode = "401", ref = "Error")
    @APIResponse(responseCode = "403", ref = "Error")
    @APIResponse(responseCode = "404", ref = "Error")
    @APIResponse(responseCode = "429", ref = "Error")
    @APIResponse(responseCode = "503", ref = "Error")
    public Uni<PresignedParts> batch(RoutingContext ctx, @RestPath String uploadId, @RestQuery String key,
            @RestQuery String partNumbers) {
        Owned upload = owned(ctx, "companion-sign", uploadId, key);
        List<Integer> numbers = input.partNumbers(partNumbers);
        return signParts(upload, numbers).map(urls -> {
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
    @APIResponse(responseCode = "400", ref = "Error")
    @APIResponse(responseCode = "401", ref = "Error")
    @APIResponse(responseCode = "403", ref = "Error")
    @APIResponse(responseCode = "404", ref = "Error")
    @APIResponse(responseCode = "429", ref = "Error")
    @APIResponse(responseCode = "503", ref = "Error")
    public Uni<PresignedPart> part(RoutingContext ctx, @RestPath String uploadId, @RestPath String partNumber,
            @RestQuery String key) {
        Owned upload = owned(ctx, "companion-sign", uploadId, key);
        int number = input.partNumber("partNumber", partNumber);
        return signParts(upload, List.of(number))
                .map(urls -> new PresignedPart(urls.get(0).url(), secondsUntil(urls.get(0).expiresAt())));
    }

    @POST
    @Path("{uploadId}/complete")
    @Operation(summary = "Companion API: assemble the parts; body {parts: [{PartNumber, ETag}]}")
    @APIResponse(responseCode = "200", description = "location, key, bucket")
    @APIResponse(responseCode = "400", ref = "Error")
    @APIResponse(responseCode = "401", ref = "Error")
    @APIResponse(responseCode = "403", ref = "Error")
    @APIResponse(responseCode = "404", ref = "Error")
    @APIResponse(responseCode = "413", ref = "Error")
    @APIResponse(responseCode = "429", ref = "Error")
    @APIResponse(responseCode = "502", ref = "Error")
    @APIResponse(responseCode = "503", ref = "Error")
    @APIResponse(responseCode = "504", ref = "Error")
    public Uni<CompletedUpload> complete(RoutingContext ctx, @RestPath String uploadId, @RestQuery String key,
            String body) {
        Owned upload = owned(ctx, "companion-complete", uploadId, key);
        List<CompletedPart> parts = input.completedParts(input.parse(body));
        // The parts S3 holds say how large the object would be: the client's word is not enough.
        return signer(upload.scope())
                .flatMap(signer -> uni(() -> store.listParts(upload.object(), upload.uploadId(), 0, upload.scope()))
                        .flatMap(held -> withinMaxSize(upload, parts, held))
                        .flatMap(ignored -> uni(() -> store.completeMultipartUpload(upload.object(),
                                upload.uploadId(), parts, upload.scope())).map(S3Store.Completed::location))
                        .invoke(location -> {
                            open.ended(upload.uploadId());
                            audit.granted(upload.caller(), "companion-complete", upload.object().bucket(),
                                    upload.object().key(), null, signer.credentials().accessKeyId());
                        }))
                .map(location -> new CompletedUpload(location, upload.object().key(), upload.object().bucket()));
    }

    /**
     * Passes when every part to assemble is the one S3 holds (same ETag, so that none is swapped for a larger one
     * before the call) and they add up to at most {@code broker.upload.max-size}; otherwise the upload is aborted,
     * leaving nothing, and the answer is 413 (or 400 for a part S3 does not hold).
     */
    private Uni<Void> withinMaxSize(Owned upload, List<CompletedPart> parts, List<S3Store.Part> held) {
        long size = CompanionInput.heldSize(parts, held);
        if (size <= maxSize) {
            return Uni.createFrom().voidItem();
        }
        audit.denied(upload.caller(), "companion-complete", upload.object().bucket(), upload.object().key(),
                "parts of " + size + " bytes, over broker.upload.max-size");
        return uni(() -> store.abortMultipartUpload(upload.object(), upload.uploadId(), upload.scope()))
                .invoke(ignored -> open.ended(upload.uploadId()))
                .map(ignored -> {
                    throw new BrokerException(ErrorCode.PAYLOAD_TOO_LARGE, "The parts add up to " + size
                            + " bytes, over broker.upload.max-size (" + maxSize + " bytes): the upload is aborted");
                });
    }

    @DELETE
    @Path("{uploadId}")
    @Operation(summary = "Companion API: abort a multipart upload and drop its parts")
    @APIResponse(responseCode = "200", description = "{}")
    @APIResponse(responseCode = "400", ref = "Error")
    @APIResponse(responseCode = "401", ref = "Error")
    @APIResponse(responseCode = "403", ref = "Error")
    @APIResponse(responseCode = "404", ref = "Error")
    @APIResponse(responseCode = "429", ref = "Error")
    @APIResponse(responseCode = "502", ref = "Error")
    @APIResponse(responseCode = "503", ref = "Error")
    @APIResponse(responseCode = "504", ref = "Error")
    public Uni<Map<String, Object>> abort(RoutingContext ctx, @RestPath String uploadId, @RestQuery String key) {
        Owned upload = owned(ctx, "companion-abort", uploadId, key);
        return signer(upload.scope())
                .flatMap(signer -> uni(() -> store.abortMultipartUpload(upload.object(), upload.uploadId(),
                        upload.scope()))
                        .invoke(ignored -> {
                            open.ended(upload.uploadId());
                            audit.granted(upload.caller(), "companion-abort", upload.object().bucket(),
                                    upload.object().key(), null, signer.credentials().accessKeyId());
                        }))
                .map(ignored -> Map.of());
    }

    /** A request on an existing upload, checked: the key is the caller's, the upload the key's. */
    private record Owned(Caller caller, ObjectLocation object, String uploadId, ScopeCredentials scope) {
    }

    /**
     * The caller may act on {@code uploadId} of {@code key} only if the key is one the broker made for it, the write
     * allow-list still covers it, and, when this broker knows the upload, the upload is that key's and that caller's
     * (otherwise S3 itself refuses an uploadId that is not the key's). 403 otherwise, before any S3 call.
     */
    private Owned owned(RoutingContext ctx, String action, String uploadId, String key) {
        String target = bucket();
        Caller caller = CallerFilter.caller(ctx);
        String id = CompanionInput.uploadId(uploadId);
        if (key == null || key.isEmpty()) {
            throw BrokerException.missing("key");
        }
        if (!keys.isOwnKey(caller, key)) {
            audit.denied(caller, action, target, key, "not a key of this caller's uploads");
            throw new AccessDenied("Access denied: the key is not one of caller '" + caller.name() + "''s uploads");
        }
        ObjectLocation object = new ObjectLocation(region, target, key);
        ScopeCredentials scope = access.authorize(caller, Access.WRITE, action, target, key);
        open.find(id).ifPresent(known -> {
            if (!known.owner().equals(caller.name()) || !known.object().equals(object)) {
                audit.denied(caller, action, target, key, "the upload belongs to another key");
                throw new AccessDenied("Access denied: upload " + id + " is not an upload of this key");
            }
        });
        return new Owned(caller, object, id, scope);
    }

    /**
     * Part URLs, signed by the scope's credentials. An upload this broker does not know yet (created before a
     * restart, or by another replica) is first checked with S3, once.
     */
    private Uni<List<PresignedUrl>> signParts(Owned upload, List<Integer> numbers) {
        Uni<Void> known = open.find(upload.uploadId()).isPresent() ? Uni.createFrom().voidItem()
                : uni(() -> store.listParts(upload.object(), upload.uploadId(), 1, upload.scope()))
                        .invoke(ignored -> open.checked(upload.uploadId(), upload.caller().name(), upload.object(),
                                upload.scope()))
                        .replaceWithVoid();
        return known.flatMap(ignored -> signer(upload.scope())).map(signer -> {
            List<PresignedUrl> urls = new ArrayList<>(numbers.size());
            for (int number : numbers) {
                urls.add(presigner.presignUploadPart(upload.object(), upload.uploadId(), number, signer, expiry));
            }
            audit.granted(upload.caller(), "companion-sign", upload.object().bucket(), upload.object().key()
                    + " parts " + CompanionInput.summary(numbers), urls.get(0).expiresAt(), signer.credentials().accessKeyId());
            return urls;
        });
    }

    /** Credentials of the scope that cover a URL of the default lifetime if they can (a URL never outlives them). */
    private Uni<CachedCredentials> signer(ScopeCredentials scope) {
        return Uni.createFrom().completionStage(() -> scope.cache().get(expiry));
    }

    private static <T> Uni<T> uni(java.util.function.Supplier<java.util.concurrent.CompletionStage<T>> call) {
        return Uni.createFrom().completionStage(call);
    }

    private String bucket() {
        return bucket.orElseThrow(NotFoundException::new);
    }

    private long secondsUntil(Instant expiresAt) {
        return Math.max(0, Duration.between(Instant.now(), expiresAt).toSeconds());
    }
}
