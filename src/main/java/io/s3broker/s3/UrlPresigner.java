package io.s3broker.s3;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

import jakarta.enterprise.context.ApplicationScoped;

import io.s3broker.aws.RegionClients;
import io.s3broker.aws.S3Clients;
import io.s3broker.credentials.CachedCredentials;

/**
 * Presigns GetObject, PutObject and UploadPart URLs, and POST policies, with {@link SigV4Signer} on the base URL
 * {@link BucketUrls} resolved. A URL never outlives the credentials that sign it.
 */
@ApplicationScoped
public class UrlPresigner {

    private final S3Clients clients;
    private final BucketUrls buckets;
    private final SigV4Signer signer;
    private final Clock clock = Clock.systemUTC();

    public UrlPresigner(S3Clients clients, BucketUrls buckets, SigV4Signer signer) {
        this.clients = clients;
        this.buckets = buckets;
        this.signer = signer;
    }

    /** A GetObject URL valid for {@code expiresIn}, or until {@code signer} expires if that is sooner. */
    public PresignedUrl presignGet(ObjectLocation object, CachedCredentials signer, Duration expiresIn) {
        return presign("GET", object, Map.of(), signer, expiresIn);
    }

    /**
     * A PutObject URL for a client that uploads directly: the client must send exactly {@code contentLength} bytes
     * and the Content-Type and ACL headers given (all signed, so S3 refuses anything else). Same lifetime rule as
     * {@link #presignGet}.
     */
    public PresignedUrl presignPut(ObjectLocation object, long contentLength, Optional<String> contentType,
            Optional<String> acl, CachedCredentials signer, Duration expiresIn) {
        Map<String, String> headers = new TreeMap<>();
        headers.put("content-length", Long.toString(contentLength));
        contentType.ifPresent(type -> headers.put("content-type", type));
        acl.ifPresent(value -> headers.put("x-amz-acl", value));
        return presign("PUT", object, headers, signer, expiresIn);
    }

    /**
     * A POST upload of {@code object} from a form (a browser's): S3 takes it only with this exact key, this
     * Content-Type (when given) and ACL, at most {@code maxLength} bytes, until the policy expires. Same lifetime
     * rule as {@link #presignGet}.
     */
    public PresignedPost presignPost(ObjectLocation object, Optional<String> contentType, Optional<String> acl,
            long maxLength, CachedCredentials credentials, Duration expiresIn) {
        Instant now = clock.instant();
        RegionClients region = clients.forRegion(object.region());
        Duration lifetime = lifetime(credentials, expiresIn, now);
        Map<String, String> fields = new LinkedHashMap<>();
        fields.put("key", object.key());
        contentType.ifPresent(type -> fields.put("Content-Type", type));
        acl.ifPresent(value -> fields.put("acl", value));
        List<Object> conditions = List.of(Map.of("bucket", object.bucket()),
                List.of("content-length-range", 0, maxLength));
        Instant expiresAt = now.plus(lifetime);
        return new PresignedPost(buckets.postUrl(region, object.bucket()), signer.postForm(fields, conditions,
                region.region(), credentials.credentials(), expiresAt, now), expiresAt);
    }

    /**
     * An UploadPart URL for part {@code partNumber} of the multipart upload {@code uploadId} of {@code object}: the
     * client PUTs the part's bytes to it and reads the part's ETag from the answer. Same lifetime rule as
     * {@link #presignGet}.
     */
    public PresignedUrl presignUploadPart(ObjectLocation object, String uploadId, int partNumber,
            CachedCredentials signer, Duration expiresIn) {
        return presign("PUT", object, Map.of(), Map.of("partNumber", Integer.toString(partNumber), "uploadId", uploadId),
                signer, expiresIn);
    }

    /**
     * A URL for a call a client makes itself on {@code object}, named by {@code method} and the operation's query
     * ({@code uploads} to create a multipart upload; {@code uploadId} to list its parts, complete or abort it),
     * signing {@code host} only, as a browser's CORS preflight at RGW needs. Same lifetime rule as
     * {@link #presignGet}.
     */
    public PresignedUrl presignOperation(String method, ObjectLocation object, Map<String, String> operationQuery,
            CachedCredentials signer, Duration expiresIn) {
        return presign(method, object, Map.of(), operationQuery, signer, expiresIn);
    }

    private PresignedUrl presign(String method, ObjectLocation object, Map<String, String> headers,
            CachedCredentials credentials, Duration expiresIn) {
        return presign(method, object, headers, Map.of(), credentials, expiresIn);
    }

    private PresignedUrl presign(String method, ObjectLocation object, Map<String, String> headers,
            Map<String, String> operationQuery, CachedCredentials credentials, Duration expiresIn) {
        Instant now = clock.instant();
        RegionClients region = clients.forRegion(object.region());
        SigV4Signer.Target target = buckets.target(region, object.bucket(), object.key());
        Duration lifetime = lifetime(credentials, expiresIn, now);
        String url = signer.presign(method, target, headers, operationQuery, region.region(), credentials.credentials(),
                lifetime, now);
        Map<String, List<String>> signedHeaders = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        signedHeaders.put("host", List.of(target.host()));
        headers.forEach((name, value) -> signedHeaders.put(name, List.of(value)));
        return new PresignedUrl(url, method, signedHeaders, now.plus(lifetime));
    }

    /** What is asked for, cut to the credentials' remaining life in whole seconds (SigV4's unit). */
    static Duration lifetime(CachedCredentials signer, Duration expiresIn, Instant now) {
        Duration remaining = Duration.ofSeconds(signer.remaining(now).toSeconds());
        return remaining.compareTo(expiresIn) < 0 ? remaining : expiresIn;
    }
}
