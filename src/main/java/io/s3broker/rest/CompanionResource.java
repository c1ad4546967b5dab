package io.s3broker.rest;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;

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

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.s3broker.access.AccessDenied;
import io.s3broker.access.AccessPolicy;
import io.s3broker.access.Audit;
import io.s3broker.auth.Caller;
import io.s3broker.config.BrokerConfig;
import io.s3broker.credentials.Access;
import io.s3broker.credentials.CachedCredentials;
import io.s3broker.credentials.ScopeCredentials;
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
import software.amazon.awssdk.auth.credentials.AwsSessionCredentials;
import software.amazon.awssdk.services.s3.model.CompletedPart;

/**
 * Uppy Companion's S3 API (@uppy/companion 6.2.2, {@code src/server/controllers/s3.js}: same routes, same JSON), so
 * that {@code @uppy/aws-s3} uploads straight to S3 with the broker as its signing server: the browser sends the
 * bytes to presigned URLs, the broker creates, signs, lists, completes and aborts. Behind it the broker's own rules:
 * an authenticated caller, keys the broker chooses under the caller's own prefix, the write allow-list, and the
 * scope's credentials. Off (404) while {@code broker.companion.bucket} is unset. Why and how:
 * docs/decisions/0015-companion-api.md
 */
@Path("/s3")
@Produces(MediaType.APPLICATION_JSON)
public class CompanionResource {

    /** S3's limits: part numbers 1 to 10000; and at most this many URLs in one batch. */
    static final int MAX_PART_NUMBER = 10_000;
    static final int MAX_BATCH = 1_000;
    private static final int MAX_UPLOAD_ID_LENGTH = 1_024;
    private static final int MAX_ETAG_LENGTH = 256;

    private final AccessPolicy access;
    private final RequestValidator validate;
    private final UrlPresigner presigner;
    private final S3Store multipart;
    private final OpenUploads open;
    private final Audit audit;
    private final ObjectMapper json;
    private final Optional<String> bucket;
    private final String region;
    private final CompanionKeys keys;
    private final Duration expiry;
    private final Optional<String> acl;
    private final boolean vending;
    private final Duration vendingValidity;
    private final Clock clock = Clock.systemUTC();

    public CompanionResource(AccessPolicy access, RequestValidator validate, UrlPresigner presigner,
            S3Store multipart, OpenUploads open, Audit audit, ObjectMapper json, BrokerConfig config) {
        this.access = access;
        this.validate = validate;
        this.presigner = presigner;
        this.multipart = multipart;
        this.open = open;
        this.audit = audit;
        this.json = json;
        this.bucket = config.companion().bucket();
        this.region = config.region();
        this.keys = new CompanionKeys(config.companion().keyPrefix());
        this.expiry = config.presign().defaultExpiry();
        this.acl = config.upload().acl();
        this.vending = config.credentials().enabled();
        this.vendingValidity = config.credentials().duration().dividedBy(2);
    }

    /** GET /s3/params: a presigned PUT for a file uploaded in one request. */
    public record UploadParameters(String method, String url, Map<String, String> fields, Map<String, String> headers,
            long expires) {

        @Override
        public String toString() {
            return "UploadParameters[method=" + method + ", expires=" + expires + "]";
        }
    }

    /** POST /s3/multipart. */
    public record CreatedUpload(String key, String uploadId, String bucket) {
    }

    /** One element of GET /s3/multipart/{uploadId}: the names of the SDK's Part, as Companion answers them. */
    public record UploadedPart(@JsonProperty("PartNumber") int partNumber, @JsonProperty("ETag") String etag,
            @JsonProperty("Size") long size, @JsonProperty("LastModified") Instant lastModified) {
    }

    /** GET /s3/multipart/{uploadId}/{partNumber}. */
    public record PresignedPart(String url, long expires) {

        @Override
        public String toString() {
            return "PresignedPart[expires=" + expires + "]";
        }
    }

    /** GET /s3/multipart/{uploadId}/batch: URLs by part number. */
    public record PresignedParts(Map<String, String> presignedUrls) {

        @Override
        public String toString() {
            return "PresignedParts" + presignedUrls.keySet();
        }
    }

    /** POST /s3/multipart/{uploadId}/complete. */
    public record CompletedUpload(String location, String key, String bucket) {
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
    @Operation(summary = "Companion API: a presigned PUT for a simple upload (the broker chooses the key)")
    @APIResponse(responseCode = "200", description = "method, url, headers to send, expires (seconds)")
    @APIResponse(responseCode = "400", ref = "Error")
    @APIResponse(responseCode = "401", ref = "Error")
    @APIResponse(responseCode = "403", ref = "Error")
    @APIResponse(responseCode = "404", ref = "Error")
    @APIResponse(responseCode = "429", ref = "Error")
    @APIResponse(responseCode = "503", ref = "Error")
    public Uni<UploadParameters> params(RoutingContext ctx, @RestQuery String filename, @RestQuery String type) {
        String target = bucket();
        Caller caller = CallerFilter.caller(ctx);
        ObjectLocation object = new ObjectLocation(region, target, keys.newKey(caller, filename("filename", filename)));
        Optional<String> contentType = validate.contentType(type);
        ScopeCredentials scope = access.authorize(caller, Access.WRITE, "companion-params", target, object.key());
        return signer(scope).map(signer -> {
            // The Content-Type goes to the client unsigned: Ceph RGW checks the signature of a CORS preflight to a
            // presigned URL, and a preflight carries no Content-Type (docs/decisions/0015-companion-api.md).
            PresignedUrl url = presigner.presignPut(object, Optional.empty(), acl, signer, expiry);
            audit.granted(caller, "companion-params", target, object.key(), url.expiresAt(),
                    signer.credentials().accessKeyId());
            Map<String, String> headers = new java.util.TreeMap<>(PresignedUpload.clientHeaders(url.signedHeaders()));
            contentType.ifPresent(value -> headers.put("content-type", value));
            return new UploadParameters(url.method(), url.url(), Map.of(), headers, secondsUntil(url.expiresAt()));
        });
    }

    @POST
    @Path("multipart")
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
        JsonNode request = parse(body);
        String filename = filename("filename", request.path("filename").isTextual() ? request.get("filename").asText() : null);
        JsonNode type = request.path("type");
        if (!type.isMissingNode() && !type.isNull() && !type.isTextual()) {
            throw BrokerException.invalid("type", "must be a string");
        }
        Optional<String> contentType = validate.contentType(type.isTextual() ? type.asText() : null);
        ObjectLocation object = new ObjectLocation(region, target, keys.newKey(caller, filename));
        // The allow-list decides before any STS or S3 call.
        ScopeCredentials scope = access.authorize(caller, Access.WRITE, "companion-create", target, object.key());
        return signer(scope)
                .flatMap(signer -> Uni.createFrom().completionStage(() -> multipart.createMultipartUpload(
                        new WriteTarget(object, contentType, acl, scope))).invoke(uploadId -> {
                    open.created(uploadId, caller.name(), object, scope);
                    audit.granted(caller, "companion-create", target, object.key(), null,
                            signer.credentials().accessKeyId());
                }))
                .map(uploadId -> new CreatedUpload(object.key(), uploadId, target));
    }

    @GET
    @Path("multipart/{uploadId}")
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
        return Uni.createFrom().completionStage(() -> multipart.listParts(upload.object(), upload.uploadId(), 0,
                upload.scope()))
                .invoke(ignored -> open.checked(upload.uploadId(), upload.caller().name(), upload.object(), upload.scope()))
                .map(parts -> parts.stream()
                        .map(p -> new UploadedPart(p.partNumber(), p.etag(), p.size(), p.lastModified())).toList());
    }

    @GET
    @Path("multipart/{uploadId}/batch")
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
        List<Integer> numbers = partNumbers(partNumbers);
        return signParts(upload, numbers).map(urls -> {
            Map<String, String> byNumber = new LinkedHashMap<>();
            for (int i = 0; i < numbers.size(); i++) {
                byNumber.put(Integer.toString(numbers.get(i)), urls.get(i).url());
            }
            return new PresignedParts(byNumber);
        });
    }

    @GET
    @Path("multipart/{uploadId}/{partNumber}")
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
        int number = partNumber("partNumber", partNumber);
        return signParts(upload, List.of(number))
                .map(urls -> new PresignedPart(urls.get(0).url(), secondsUntil(urls.get(0).expiresAt())));
    }

    @POST
    @Path("multipart/{uploadId}/complete")
    @Operation(summary = "Companion API: assemble the parts; body {parts: [{PartNumber, ETag}]}")
    @APIResponse(responseCode = "200", description = "location, key, bucket")
    @APIResponse(responseCode = "400", ref = "Error")
    @APIResponse(responseCode = "401", ref = "Error")
    @APIResponse(responseCode = "403", ref = "Error")
    @APIResponse(responseCode = "404", ref = "Error")
    @APIResponse(responseCode = "429", ref = "Error")
    @APIResponse(responseCode = "502", ref = "Error")
    @APIResponse(responseCode = "503", ref = "Error")
    @APIResponse(responseCode = "504", ref = "Error")
    public Uni<CompletedUpload> complete(RoutingContext ctx, @RestPath String uploadId, @RestQuery String key,
            String body) {
        Owned upload = owned(ctx, "companion-complete", uploadId, key);
        List<CompletedPart> parts = completedParts(parse(body));
        return signer(upload.scope())
                .flatMap(signer -> Uni.createFrom().completionStage(() -> multipart.completeMultipartUpload(upload.object(),
                        upload.uploadId(), parts, upload.scope())).map(S3Store.Completed::location)
                        .invoke(location -> {
                            open.ended(upload.uploadId());
                            audit.granted(upload.caller(), "companion-complete", upload.object().bucket(),
                                    upload.object().key(), null, signer.credentials().accessKeyId());
                        }))
                .map(location -> new CompletedUpload(location, upload.object().key(), upload.object().bucket()));
    }

    @DELETE
    @Path("multipart/{uploadId}")
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
                .flatMap(signer -> Uni.createFrom().completionStage(() -> multipart.abortMultipartUpload(upload.object(),
                        upload.uploadId(), upload.scope()))
                        .invoke(ignored -> {
                            open.ended(upload.uploadId());
                            audit.granted(upload.caller(), "companion-abort", upload.object().bucket(),
                                    upload.object().key(), null, signer.credentials().accessKeyId());
                        }))
                .map(ignored -> Map.of());
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

    /** A request on an existing upload, checked: the key is the caller's, the upload the key's. */
    private static final class Owned {
        private final Caller caller;
        private final ObjectLocation object;
        private final String uploadId;
        private final ScopeCredentials scope;

        Owned(Caller caller, ObjectLocation object, String uploadId, ScopeCredentials scope) {
            this.caller = caller;
            this.object = object;
            this.uploadId = uploadId;
            this.scope = scope;
        }

        Caller caller() {
            return caller;
        }

        ObjectLocation object() {
            return object;
        }

        String uploadId() {
            return uploadId;
        }

        ScopeCredentials scope() {
            return scope;
        }
    }

    /**
     * The caller may act on {@code uploadId} of {@code key} only if the key is one the broker made for it, the write
     * allow-list still covers it, and, when this broker knows the upload, the upload is that key's and that caller's
     * (otherwise S3 itself refuses an uploadId that is not the key's). 403 otherwise, before any S3 call.
     */
    private Owned owned(RoutingContext ctx, String action, String uploadId, String key) {
        String target = bucket();
        Caller caller = CallerFilter.caller(ctx);
        String id = uploadId(uploadId);
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
                : Uni.createFrom().completionStage(() -> multipart.listParts(upload.object(), upload.uploadId(), 1,
                        upload.scope()))
                        .invoke(ignored -> open.checked(upload.uploadId(), upload.caller().name(), upload.object(),
                                upload.scope()))
                        .replaceWithVoid();
        return known.flatMap(ignored -> signer(upload.scope())).map(signer -> {
            List<PresignedUrl> urls = new ArrayList<>(numbers.size());
            for (int number : numbers) {
                urls.add(presigner.presignUploadPart(upload.object(), upload.uploadId(), number, signer, expiry));
            }
            audit.granted(upload.caller(), "companion-sign", upload.object().bucket(), upload.object().key()
                    + " parts " + summary(numbers), urls.get(0).expiresAt(), signer.credentials().accessKeyId());
            return urls;
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

    private JsonNode parse(String body) {
        if (body == null || body.isBlank()) {
            throw new BrokerException(ErrorCode.INVALID_REQUEST, "A JSON body is required");
        }
        try {
            JsonNode node = json.readTree(body);
            if (node == null || !node.isObject()) {
                throw new BrokerException(ErrorCode.INVALID_REQUEST, "The body must be a JSON object");
            }
            return node;
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new BrokerException(ErrorCode.INVALID_REQUEST, "The body is not valid JSON");
        }
    }

    private static String filename(String name, String filename) {
        if (filename == null || filename.isEmpty()) {
            throw BrokerException.missing(name);
        }
        if (filename.length() > 1_024) {
            throw BrokerException.invalid(name, "must be at most 1024 characters");
        }
        return filename;
    }

    private static String uploadId(String uploadId) {
        if (uploadId == null || uploadId.isEmpty()) {
            throw BrokerException.missing("uploadId");
        }
        if (uploadId.length() > MAX_UPLOAD_ID_LENGTH || !uploadId.chars().allMatch(c -> c > 0x20 && c < 0x7f)) {
            throw BrokerException.invalid("uploadId", "must be at most " + MAX_UPLOAD_ID_LENGTH
                    + " printable ASCII characters");
        }
        return uploadId;
    }

    static int partNumber(String name, String value) {
        if (value == null || value.isEmpty()) {
            throw BrokerException.missing(name);
        }
        if (value.length() > 5 || !value.chars().allMatch(c -> c >= '0' && c <= '9')) {
            throw BrokerException.invalid(name, "a part number is a whole number from 1 to " + MAX_PART_NUMBER);
        }
        int number = Integer.parseInt(value);
        if (number < 1 || number > MAX_PART_NUMBER) {
            throw BrokerException.invalid(name, "a part number is a whole number from 1 to " + MAX_PART_NUMBER);
        }
        return number;
    }

    static List<Integer> partNumbers(String value) {
        if (value == null || value.isEmpty()) {
            throw BrokerException.missing("partNumbers");
        }
        String[] items = value.split(",", -1);
        if (items.length > MAX_BATCH) {
            throw BrokerException.invalid("partNumbers", "at most " + MAX_BATCH + " part numbers per batch");
        }
        List<Integer> numbers = new ArrayList<>(items.length);
        for (String item : items) {
            numbers.add(partNumber("partNumbers", item.trim()));
        }
        return numbers;
    }

    /** The parts to assemble, in ascending order as S3 wants them; each number once. */
    private static List<CompletedPart> completedParts(JsonNode body) {
        JsonNode parts = body.path("parts");
        if (!parts.isArray() || parts.isEmpty()) {
            throw BrokerException.invalid("parts", "must be a non-empty array of {ETag, PartNumber} objects");
        }
        if (parts.size() > MAX_PART_NUMBER) {
            throw BrokerException.invalid("parts", "at most " + MAX_PART_NUMBER + " parts");
        }
        List<CompletedPart> completed = new ArrayList<>(parts.size());
        TreeSet<Integer> seen = new TreeSet<>();
        for (JsonNode part : parts) {
            JsonNode number = part.path("PartNumber");
            JsonNode etag = part.path("ETag");
            if (!number.isIntegralNumber() || !number.canConvertToInt() || number.asInt() < 1
                    || number.asInt() > MAX_PART_NUMBER) {
                throw BrokerException.invalid("parts", "each PartNumber must be a whole number from 1 to "
                        + MAX_PART_NUMBER);
            }
            if (!etag.isTextual() || etag.asText().isEmpty() || etag.asText().length() > MAX_ETAG_LENGTH
                    || !etag.asText().chars().allMatch(c -> c >= 0x20 && c < 0x7f)) {
                throw BrokerException.invalid("parts", "each ETag must be the ETag S3 answered for the part");
            }
            if (!seen.add(number.asInt())) {
                throw BrokerException.invalid("parts", "part " + number.asInt() + " is given more than once");
            }
            completed.add(CompletedPart.builder().partNumber(number.asInt()).eTag(etag.asText()).build());
        }
        completed.sort(Comparator.comparing(CompletedPart::partNumber));
        return completed;
    }

    private static String summary(List<Integer> numbers) {
        return numbers.size() <= 5 ? numbers.toString() : numbers.subList(0, 5) + "... (" + numbers.size() + ")";
    }
}
