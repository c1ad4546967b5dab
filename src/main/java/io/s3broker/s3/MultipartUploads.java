package io.s3broker.s3;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import jakarta.enterprise.context.ApplicationScoped;

import io.s3broker.aws.RegionClients;
import io.s3broker.aws.S3Clients;
import io.s3broker.config.BrokerConfig;
import io.s3broker.credentials.ScopeCredentials;
import io.smallrye.mutiny.Uni;
import software.amazon.awssdk.awscore.AwsRequestOverrideConfiguration;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.CreateMultipartUploadRequest;
import software.amazon.awssdk.services.s3.model.ListPartsResponse;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * The multipart calls of uploads whose parts a client sends straight to S3 (browsers, with Uppy): the broker
 * creates, lists, completes and aborts them, each call signed by the SDK with the credentials of the scope that
 * allowed it; the parts themselves go to presigned UploadPart URLs ({@link UrlPresigner#presignUploadPart}).
 */
@ApplicationScoped
public class MultipartUploads {

    /** A part S3 holds: what a client needs to resume an upload and to complete it. */
    public record Part(int partNumber, String etag, long size, Instant lastModified) {
    }

    private final S3Clients clients;
    private final S3CallTimer calls;
    private final Duration timeout;
    private final Duration completeTimeout;

    public MultipartUploads(S3Clients clients, S3CallTimer calls, BrokerConfig config) {
        this.clients = clients;
        this.calls = calls;
        this.timeout = config.s3().timeout();
        // S3 may take a while to assemble thousands of parts.
        this.completeTimeout = config.upload().partTimeout();
    }

    /** Starts a multipart upload of {@code object}; answers its uploadId. */
    public Uni<String> create(ObjectLocation object, Optional<String> contentType, Optional<String> acl,
            ScopeCredentials scope) {
        CreateMultipartUploadRequest.Builder create = CreateMultipartUploadRequest.builder()
                .bucket(object.bucket())
                .key(object.key())
                .overrideConfiguration(override(scope, timeout));
        contentType.ifPresent(create::contentType);
        acl.ifPresent(create::acl);
        return call("CreateMultipartUpload", object, () -> Uni.createFrom().completionStage(
                () -> region(object).retrying().createMultipartUpload(create.build())))
                .map(response -> response.uploadId());
    }

    /** Every part uploaded so far, page after page; at most {@code limit} of them when {@code limit > 0}. */
    public Uni<List<Part>> listParts(ObjectLocation object, String uploadId, int limit, ScopeCredentials scope) {
        return listPage(object, uploadId, null, limit, scope, new ArrayList<>());
    }

    private Uni<List<Part>> listPage(ObjectLocation object, String uploadId, Integer marker, int limit,
            ScopeCredentials scope, List<Part> parts) {
        return call("ListParts", object, () -> Uni.createFrom().completionStage(() -> region(object).retrying()
                .listParts(l -> {
                    l.bucket(object.bucket()).key(object.key()).uploadId(uploadId).partNumberMarker(marker)
                            .overrideConfiguration(override(scope, timeout));
                    if (limit > 0) {
                        l.maxParts(limit);
                    }
                })))
                .flatMap(page -> {
                    page.parts().forEach(p -> parts.add(new Part(p.partNumber(), p.eTag(), p.size() == null ? 0 : p.size(),
                            p.lastModified())));
                    if (Boolean.TRUE.equals(page.isTruncated()) && (limit <= 0 || parts.size() < limit)
                            && nextMarker(page) != null) {
                        return listPage(object, uploadId, nextMarker(page), limit, scope, parts);
                    }
                    return Uni.createFrom().item(parts);
                });
    }

    private static Integer nextMarker(ListPartsResponse page) {
        return page.nextPartNumberMarker();
    }

    /**
     * Assembles the parts into the object; answers its location (S3's, or the object's URL when the server gives
     * none).
     */
    public Uni<String> complete(ObjectLocation object, String uploadId, List<CompletedPart> parts,
            ScopeCredentials scope) {
        return call("CompleteMultipartUpload", object, () -> Uni.createFrom().completionStage(() -> region(object)
                .retrying().completeMultipartUpload(c -> c.bucket(object.bucket()).key(object.key()).uploadId(uploadId)
                        .multipartUpload(m -> m.parts(parts))
                        .overrideConfiguration(override(scope, completeTimeout)))))
                .map(response -> response.location());
    }

    /** Removes the upload and every part it holds. */
    public Uni<Void> abort(ObjectLocation object, String uploadId, ScopeCredentials scope) {
        return call("AbortMultipartUpload", object, () -> Uni.createFrom().completionStage(() -> region(object)
                .retrying().abortMultipartUpload(a -> a.bucket(object.bucket()).key(object.key()).uploadId(uploadId)
                        .overrideConfiguration(override(scope, timeout)))))
                .replaceWithVoid();
    }

    private RegionClients region(ObjectLocation object) {
        return clients.forRegion(object.region());
    }

    private <T> Uni<T> call(String operation, ObjectLocation object, java.util.function.Supplier<Uni<T>> call) {
        return calls.timedUni(operation, call)
                .onFailure().transform(failure -> translate(failure, object));
    }

    /** S3's NoSuchUpload (a 404 like a missing key) says the upload is gone or is not this key's. */
    private static RuntimeException translate(Throwable failure, ObjectLocation object) {
        Throwable e = S3Errors.unwrap(failure);
        if (e instanceof S3Exception s3 && s3.statusCode() == 404 && (s3.awsErrorDetails() == null
                || !"NoSuchBucket".equals(s3.awsErrorDetails().errorCode()))) {
            return new S3Failure(S3Failure.Kind.NO_SUCH_KEY, "No such upload of " + object);
        }
        return S3Errors.translate(failure, object.toString());
    }

    private static java.util.function.Consumer<AwsRequestOverrideConfiguration.Builder> override(ScopeCredentials scope,
            Duration timeout) {
        return o -> o.apiCallTimeout(timeout).credentialsProvider(scope.provider());
    }
}
