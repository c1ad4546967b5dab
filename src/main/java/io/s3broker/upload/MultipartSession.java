package io.s3broker.upload;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

import io.s3broker.aws.RegionClients;
import io.s3broker.s3.AbortRetries;
import io.s3broker.s3.S3CallTimer;
import io.s3broker.s3.S3Errors;
import software.amazon.awssdk.awscore.AwsRequestOverrideConfiguration;
import software.amazon.awssdk.core.async.AsyncRequestBody;
import software.amazon.awssdk.services.s3.S3AsyncClient;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.CreateMultipartUploadRequest;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;

/**
 * The S3 calls of one upload: a single PutObject, or a multipart upload (create, upload part, complete, abort).
 * Every request is signed with the upload's scope credentials (the S3 clients have none of their own). A body
 * from memory goes through the retrying client, with the SDK's retry strategy and a call timeout; a streamed body
 * through the single-attempt client, without a call timeout (it lasts as long as the client sends: the upload's
 * idle timeout bounds it). Each method returns the SDK's own future, so that cancelling it cancels the call.
 * Thread-safe: the upload id is set once, before any part is sent.
 */
final class MultipartSession {

    private final RegionClients clients;
    private final UploadTarget target;
    private final UploadSettings settings;
    private final S3CallTimer calls;
    /** The single-attempt client of the loop the session was made on: the request's, which reads the body. */
    private final S3AsyncClient streaming;
    private volatile String uploadId;

    /** Made on the request's event loop. */
    MultipartSession(RegionClients clients, UploadTarget target, UploadSettings settings, S3CallTimer calls) {
        this.clients = clients;
        this.streaming = clients.streaming();
        this.target = target;
        this.settings = settings;
        this.calls = calls;
    }

    boolean created() {
        return uploadId != null;
    }

    /** Creates the multipart upload; its id is kept for the calls that follow. */
    CompletableFuture<String> create() {
        CreateMultipartUploadRequest.Builder create = CreateMultipartUploadRequest.builder()
                .bucket(target.location().bucket())
                .key(target.location().key())
                .contentType(target.contentType())
                .overrideConfiguration(signed(settings.metadataTimeout()));
        target.acl().ifPresent(create::acl);
        return timed("CreateMultipartUpload", clients.retrying().createMultipartUpload(create.build()))
                .thenApply(response -> uploadId = response.uploadId());
    }

    /** @param streamed whether the body is the client's stream (one attempt, no call timeout) or memory */
    CompletableFuture<CompletedPart> uploadPart(int number, AsyncRequestBody body, boolean streamed) {
        long length = body.contentLength().orElseThrow();
        S3AsyncClient client = streamed ? streaming : clients.retrying();
        CompletableFuture<CompletedPart> call = new CompletableFuture<>();
        var sdk = client.uploadPart(p -> p
                .bucket(target.location().bucket())
                .key(target.location().key())
                .uploadId(uploadId)
                .partNumber(number)
                .contentLength(length)
                .overrideConfiguration(signed(streamed ? null : settings.callTimeout())), body);
        timed("UploadPart", sdk).whenComplete((response, error) -> {
                    if (error != null) {
                        call.completeExceptionally(error);
                    } else {
                        call.complete(CompletedPart.builder().partNumber(number).eTag(response.eTag()).build());
                    }
                });
        return cancelling(call, sdk);
    }

    /** One PutObject of the whole body; returns its ETag. */
    CompletableFuture<String> putObject(AsyncRequestBody body, boolean streamed) {
        PutObjectRequest.Builder put = PutObjectRequest.builder()
                .bucket(target.location().bucket())
                .key(target.location().key())
                .contentType(target.contentType())
                .contentLength(body.contentLength().orElseThrow())
                .overrideConfiguration(signed(streamed ? null : settings.callTimeout()));
        target.acl().ifPresent(put::acl);
        S3AsyncClient client = streamed ? streaming : clients.retrying();
        CompletableFuture<String> call = new CompletableFuture<>();
        var sdk = client.putObject(put.build(), body);
        timed("PutObject", sdk).whenComplete((response, error) -> {
                    if (error != null) {
                        call.completeExceptionally(error);
                    } else {
                        call.complete(response.eTag());
                    }
                });
        return cancelling(call, sdk);
    }

    /** A PutObject from memory (one or more slices, in order), read again by the SDK for a retry. */
    CompletableFuture<String> putObject(ByteBuffer... bytes) {
        boolean empty = java.util.Arrays.stream(bytes).noneMatch(ByteBuffer::hasRemaining);
        return putObject(empty ? AsyncRequestBody.empty() : AsyncRequestBody.fromByteBuffersUnsafe(bytes), false);
    }

    /** Completes the upload with {@code parts} (in order); returns the ETag S3 gives, perhaps empty. */
    CompletableFuture<String> complete(List<CompletedPart> parts) {
        return timed("CompleteMultipartUpload", clients.retrying().completeMultipartUpload(c -> c
                .bucket(target.location().bucket())
                .key(target.location().key())
                .uploadId(uploadId)
                .multipartUpload(m -> m.parts(parts))
                .overrideConfiguration(signed(settings.callTimeout()))))
                .thenApply(response -> response.eTag());
    }

    /**
     * Aborts the multipart upload, if one was created, with the SDK's retries; an upload S3 no longer knows counts as
     * aborted. If S3 could not be reached, it is tried again in the background until it answers (AbortRetries).
     */
    CompletableFuture<Void> abort() {
        if (uploadId == null) {
            return CompletableFuture.completedFuture(null);
        }
        return abortOnce().whenComplete((done, error) -> {
            if (error != null && AbortRetries.worthRetrying(error)) {
                AbortRetries.retry(target.location().toString(), this::abortOnce);
            }
        });
    }

    private CompletableFuture<Void> abortOnce() {
        return timed("AbortMultipartUpload", clients.retrying().abortMultipartUpload(a -> a
                .bucket(target.location().bucket())
                .key(target.location().key())
                .uploadId(uploadId)
                .overrideConfiguration(signed(settings.metadataTimeout()))))
                .<Void>thenApply(response -> null)
                .exceptionallyCompose(error -> S3Errors.isNotFound(error) ? CompletableFuture.completedFuture(null)
                        : CompletableFuture.failedFuture(error));
    }

    /** The ETag of the stored object, for servers that answer CompleteMultipartUpload without one (Ceph RGW 16). */
    CompletableFuture<String> storedEtag() {
        return timed("HeadObject", clients.retrying().headObject(h -> h
                .bucket(target.location().bucket())
                .key(target.location().key())
                .overrideConfiguration(signed(settings.metadataTimeout()))))
                .thenApply(head -> head.eTag());
    }

    private Consumer<AwsRequestOverrideConfiguration.Builder> signed(Duration timeout) {
        return o -> {
            o.credentialsProvider(target.credentials().provider());
            if (timeout != null) {
                o.apiCallTimeout(timeout);
            }
        };
    }

    private <T> CompletableFuture<T> timed(String operation, CompletableFuture<T> call) {
        return calls.timed(operation, () -> call);
    }

    /** {@code call}, whose cancelling cancels the SDK's own future and with it the HTTP request. */
    private static <T> CompletableFuture<T> cancelling(CompletableFuture<T> call, CompletableFuture<?> sdk) {
        call.whenComplete((ignored, error) -> {
            if (call.isCancelled()) {
                sdk.cancel(true);
            }
        });
        return call;
    }
}
