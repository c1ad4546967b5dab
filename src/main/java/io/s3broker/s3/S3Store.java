package io.s3broker.s3;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import java.util.function.Function;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import io.s3broker.aws.RegionClients;
import io.s3broker.aws.S3Clients;
import io.s3broker.config.BrokerConfig;
import io.s3broker.credentials.ScopeCredentials;
import software.amazon.awssdk.awscore.AwsRequestOverrideConfiguration;
import software.amazon.awssdk.core.async.AsyncRequestBody;
import software.amazon.awssdk.core.async.AsyncResponseTransformer;
import software.amazon.awssdk.core.async.ResponsePublisher;
import software.amazon.awssdk.services.s3.S3AsyncClient;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.CreateMultipartUploadRequest;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.ListMultipartUploadsResponse;
import software.amazon.awssdk.services.s3.model.ListPartsResponse;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * Every S3 call the broker makes outside GET /item's fast path: an upload's PutObject, the multipart calls (create,
 * upload part, list parts, complete, abort) and the HeadObject that reads an upload's ETag back. Each call is signed
 * with the credentials of the scope that allowed it ({@link #signedBy}: the one way to name a scope and a timeout),
 * timed into {@code broker_s3_requests_seconds}, and fails with an {@link S3Failure} ({@link #failure}: the one
 * translation of S3's errors). A body from memory goes through the retrying client with a call timeout; a client's
 * streamed body through the single-attempt client of the calling event loop, without one (it lasts as long as the
 * client sends; the upload's idle bound ends it). Cancelling a returned future cancels the SDK's call and its HTTP
 * request.
 */
@ApplicationScoped
public class S3Store {

    /** A part S3 holds: what a client needs to resume an upload and to complete it. */
    public record Part(int partNumber, String etag, long size, Instant lastModified) {
    }

    /** What CompleteMultipartUpload answers: the object's location (its URL when S3 gives none) and ETag (may be empty). */
    public record Completed(String location, String etag) {
    }

    /** A stored object's length and user metadata (without S3's {@code x-amz-meta-} prefix). */
    public record Stored(long size, Map<String, String> metadata) {
    }

    /** A multipart upload in progress, as ListMultipartUploads names it. */
    public record OpenUpload(String key, String uploadId, Instant initiated) {
    }

    private final Function<String, RegionClients> regions;
    private final S3CallTimer calls;
    /** Bound of the calls that only name things: create, list, abort, HeadObject. */
    private final Duration timeout;
    /** Bound of a body from memory, and of CompleteMultipartUpload (S3 may take a while to assemble many parts). */
    private final Duration partTimeout;

    @Inject
    public S3Store(S3Clients clients, S3CallTimer calls, BrokerConfig config) {
        this(clients::forRegion, calls, config.s3().timeout(), config.upload().partTimeout());
    }

    public S3Store(Function<String, RegionClients> regions, S3CallTimer calls, Duration timeout, Duration partTimeout) {
        this.regions = regions;
        this.calls = calls;
        this.timeout = timeout;
        this.partTimeout = partTimeout;
    }

    /**
     * One PutObject of the whole body; answers its ETag.
     *
     * @param streamed whether the body is the client's stream (read once: one attempt, on this event loop's
     *        connections) rather than memory (retried)
     */
    public CompletableFuture<String> putObject(WriteTarget target, AsyncRequestBody body, boolean streamed) {
        return putObject(target, body, streamed, Map.of());
    }

    /** {@link #putObject(WriteTarget, AsyncRequestBody, boolean)} with user metadata stored beside the object. */
    public CompletableFuture<String> putObject(WriteTarget target, AsyncRequestBody body, boolean streamed,
            Map<String, String> metadata) {
        ObjectLocation object = target.location();
        PutObjectRequest.Builder put = PutObjectRequest.builder()
                .bucket(object.bucket())
                .key(object.key())
                .contentLength(body.contentLength().orElseThrow())
                .metadata(metadata)
                .overrideConfiguration(signedBy(target.scope(), streamed ? null : partTimeout));
        target.contentType().ifPresent(put::contentType);
        target.acl().ifPresent(put::acl);
        return call("PutObject", object, null, client(object, streamed).putObject(put.build(), body),
                response -> response.eTag());
    }

    /** Starts a multipart upload; answers its uploadId. */
    public CompletableFuture<String> createMultipartUpload(WriteTarget target) {
        ObjectLocation object = target.location();
        CreateMultipartUploadRequest.Builder create = CreateMultipartUploadRequest.builder()
                .bucket(object.bucket())
                .key(object.key())
                .overrideConfiguration(signedBy(target.scope(), timeout));
        target.contentType().ifPresent(create::contentType);
        target.acl().ifPresent(create::acl);
        return call("CreateMultipartUpload", object, null,
                region(object).retrying().createMultipartUpload(create.build()), response -> response.uploadId());
    }

    /** One part; {@code streamed} as for {@link #putObject}. */
    public CompletableFuture<CompletedPart> uploadPart(ObjectLocation object, String uploadId, int number,
            AsyncRequestBody body, boolean streamed, ScopeCredentials scope) {
        return call("UploadPart", object, uploadId, client(object, streamed).uploadPart(p -> p
                .bucket(object.bucket())
                .key(object.key())
                .uploadId(uploadId)
                .partNumber(number)
                .contentLength(body.contentLength().orElseThrow())
                .overrideConfiguration(signedBy(scope, streamed ? null : partTimeout)), body),
                response -> CompletedPart.builder().partNumber(number).eTag(response.eTag()).build());
    }

    /** Every part uploaded so far, page after page; at most {@code limit} of them when {@code limit > 0}. */
    public CompletableFuture<List<Part>> listParts(ObjectLocation object, String uploadId, int limit,
            ScopeCredentials scope) {
        return listPage(object, uploadId, null, limit, scope, new ArrayList<>());
    }

    /** The part S3 holds under {@code number}, if any: one ListParts page of one part. */
    public CompletableFuture<java.util.Optional<Part>> part(ObjectLocation object, String uploadId, int number,
            ScopeCredentials scope) {
        return listPage(object, uploadId, number > 1 ? number - 1 : null, 1, scope, new ArrayList<>())
                .thenApply(parts -> parts.stream().filter(part -> part.partNumber() == number).findFirst());
    }

    private CompletableFuture<List<Part>> listPage(ObjectLocation object, String uploadId, Integer marker, int limit,
            ScopeCredentials scope, List<Part> parts) {
        return call("ListParts", object, uploadId, region(object).retrying().listParts(l -> {
            l.bucket(object.bucket()).key(object.key()).uploadId(uploadId).partNumberMarker(marker)
                    .overrideConfiguration(signedBy(scope, timeout));
            if (limit > 0) {
                l.maxParts(limit);
            }
        }), page -> page).thenCompose(page -> {
            page.parts().forEach(p -> parts.add(new Part(p.partNumber(), p.eTag(), p.size() == null ? 0 : p.size(),
                    p.lastModified())));
            Integer next = nextMarker(page);
            if (Boolean.TRUE.equals(page.isTruncated()) && (limit <= 0 || parts.size() < limit) && next != null) {
                return listPage(object, uploadId, next, limit, scope, parts);
            }
            return CompletableFuture.completedFuture(parts);
        });
    }

    private static Integer nextMarker(ListPartsResponse page) {
        return page.nextPartNumberMarker();
    }

    /** Assembles {@code parts} (in order) into the object. */
    public CompletableFuture<Completed> completeMultipartUpload(ObjectLocation object, String uploadId,
            List<CompletedPart> parts, ScopeCredentials scope) {
        return call("CompleteMultipartUpload", object, uploadId, region(object).retrying().completeMultipartUpload(c -> c
                .bucket(object.bucket())
                .key(object.key())
                .uploadId(uploadId)
                .multipartUpload(m -> m.parts(parts))
                .overrideConfiguration(signedBy(scope, partTimeout))),
                response -> new Completed(response.location(), response.eTag()));
    }

    /** Removes the upload and every part it holds; fails NO_SUCH_KEY when S3 no longer knows it. */
    public CompletableFuture<Void> abortMultipartUpload(ObjectLocation object, String uploadId, ScopeCredentials scope) {
        return call("AbortMultipartUpload", object, uploadId, region(object).retrying().abortMultipartUpload(a -> a
                .bucket(object.bucket())
                .key(object.key())
                .uploadId(uploadId)
                .overrideConfiguration(signedBy(scope, timeout))), response -> null);
    }

    /** The ETag of a stored object, for servers that answer CompleteMultipartUpload without one (Ceph RGW 16). */
    public CompletableFuture<String> etag(ObjectLocation object, ScopeCredentials scope) {
        return call("HeadObject", object, null, region(object).retrying().headObject(h -> h
                .bucket(object.bucket())
                .key(object.key())
                .overrideConfiguration(signedBy(scope, timeout))), head -> head.eTag());
    }

    /** The length and user metadata of a stored object; fails NO_SUCH_KEY when there is none. */
    public CompletableFuture<Stored> head(ObjectLocation object, ScopeCredentials scope) {
        return call("HeadObject", object, null, region(object).retrying().headObject(h -> h
                .bucket(object.bucket())
                .key(object.key())
                .overrideConfiguration(signedBy(scope, timeout))),
                head -> new Stored(head.contentLength(), head.metadata()));
    }

    /**
     * A stored object as a stream: the future answers once S3 has sent the headers (length, user metadata), and the
     * body is read as the subscriber asks for it. A body not wanted must still be subscribed to and cancelled.
     */
    public CompletableFuture<ResponsePublisher<GetObjectResponse>> getObject(ObjectLocation object,
            ScopeCredentials scope) {
        return call("GetObject", object, null, region(object).retrying().getObject(g -> g
                .bucket(object.bucket())
                .key(object.key())
                .overrideConfiguration(signedBy(scope, timeout)), AsyncResponseTransformer.toPublisher()),
                response -> response);
    }

    /** Removes an object; S3 answers the same whether or not it existed. */
    public CompletableFuture<Void> deleteObject(ObjectLocation object, ScopeCredentials scope) {
        return call("DeleteObject", object, null, region(object).retrying().deleteObject(d -> d
                .bucket(object.bucket())
                .key(object.key())
                .overrideConfiguration(signedBy(scope, timeout))), response -> null);
    }

    /** The multipart uploads in progress under {@code prefix} of the bucket, page after page, at most {@code limit}. */
    public CompletableFuture<List<OpenUpload>> listMultipartUploads(ObjectLocation bucketAndPrefix, int limit,
            ScopeCredentials scope) {
        return listUploads(bucketAndPrefix, null, null, limit, scope, new ArrayList<>());
    }

    private CompletableFuture<List<OpenUpload>> listUploads(ObjectLocation where, String keyMarker, String idMarker,
            int limit, ScopeCredentials scope, List<OpenUpload> found) {
        return call("ListMultipartUploads", where, null, region(where).retrying().listMultipartUploads(l -> l
                .bucket(where.bucket()).prefix(where.key()).keyMarker(keyMarker).uploadIdMarker(idMarker)
                .overrideConfiguration(signedBy(scope, timeout))), page -> page).thenCompose(page -> {
                    page.uploads().forEach(u -> found.add(new OpenUpload(u.key(), u.uploadId(), u.initiated())));
                    if (!more(page) || found.size() >= limit) {
                        return CompletableFuture.completedFuture(found);
                    }
                    return listUploads(where, page.nextKeyMarker(), page.nextUploadIdMarker(), limit, scope, found);
                });
    }

    private static boolean more(ListMultipartUploadsResponse page) {
        return Boolean.TRUE.equals(page.isTruncated()) && page.nextKeyMarker() != null;
    }

    /**
     * What a failed call on {@code object} means to the broker. A 404 of a call on an upload (other than
     * NoSuchBucket) is S3's NoSuchUpload: the upload is gone, or is not this key's.
     */
    static RuntimeException failure(Throwable error, ObjectLocation object, String uploadId) {
        Throwable e = S3Errors.unwrap(error);
        if (uploadId != null && e instanceof S3Exception s3 && s3.statusCode() == 404 && (s3.awsErrorDetails() == null
                || !"NoSuchBucket".equals(s3.awsErrorDetails().errorCode()))) {
            return new S3Failure(S3Failure.Kind.NO_SUCH_KEY, "No such upload of " + object);
        }
        return S3Errors.translate(error, object.toString());
    }

    /**
     * The one way an S3 call names the credentials of its scope (the clients have none of their own) and its
     * timeout; none for a call that streams a client's body.
     */
    static Consumer<AwsRequestOverrideConfiguration.Builder> signedBy(ScopeCredentials scope, Duration timeout) {
        return o -> {
            o.credentialsProvider(scope.provider());
            if (timeout != null) {
                o.apiCallTimeout(timeout);
            }
        };
    }

    private RegionClients region(ObjectLocation object) {
        return regions.apply(object.region());
    }

    /** Called on the request's event loop for a streamed body: its connections are that loop's (decision 0017). */
    private S3AsyncClient client(ObjectLocation object, boolean streamed) {
        return streamed ? region(object).streaming() : region(object).retrying();
    }

    /** {@code sdk} timed, answered through {@code answer}, failed through {@link #failure}; cancelling cancels it. */
    private <R, T> CompletableFuture<T> call(String operation, ObjectLocation object, String uploadId,
            CompletableFuture<R> sdk, Function<R, T> answer) {
        CompletableFuture<T> result = new CompletableFuture<>();
        calls.timed(operation, () -> sdk).whenComplete((response, error) -> {
            if (error != null) {
                result.completeExceptionally(failure(error, object, uploadId));
            } else {
                result.complete(answer.apply(response));
            }
        });
        result.whenComplete((ignored, error) -> {
            if (result.isCancelled()) {
                sdk.cancel(true);
            }
        });
        return result;
    }
}
