package io.s3broker.upload;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;

import org.reactivestreams.Subscriber;
import org.reactivestreams.Subscription;

import software.amazon.awssdk.awscore.AwsRequest;
import software.amazon.awssdk.core.async.AsyncRequestBody;
import software.amazon.awssdk.services.s3.S3AsyncClient;
import software.amazon.awssdk.services.s3.model.AbortMultipartUploadRequest;
import software.amazon.awssdk.services.s3.model.AbortMultipartUploadResponse;
import software.amazon.awssdk.services.s3.model.CompleteMultipartUploadRequest;
import software.amazon.awssdk.services.s3.model.CompleteMultipartUploadResponse;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.CreateMultipartUploadRequest;
import software.amazon.awssdk.services.s3.model.CreateMultipartUploadResponse;
import software.amazon.awssdk.services.s3.model.HeadObjectRequest;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;
import software.amazon.awssdk.services.s3.model.PutObjectResponse;
import software.amazon.awssdk.services.s3.model.UploadPartRequest;
import software.amazon.awssdk.services.s3.model.UploadPartResponse;

/**
 * An S3 client without S3: records every call, reads request bodies like the SDK (one slice per request(1)), and
 * answers as told. A body's call fails when its body fails, as the SDK's does.
 */
final class StubS3 implements S3AsyncClient {

    /** One call: its request, the future handed back (the "SDK's own"), and the body read so far. */
    record Call(String operation, AwsRequest request, CompletableFuture<?> future, Body body) {
        int partNumber() {
            return request instanceof UploadPartRequest part ? part.partNumber() : 0;
        }
    }

    final List<Call> calls = new CopyOnWriteArrayList<>();
    /** Bodies are not read at all: S3 stalls. */
    volatile boolean stall;
    /** PutObject reads its body but never answers: S3 is slow to store it. */
    volatile boolean holdPutAnswers;
    /**
     * Parts whose call keeps the slices it was handed, unread, and answers only when {@link #answer} says so: the
     * SDK's HTTP client may hold a slice until it is written, so an upload must not write over one before the answer.
     */
    final Map<Integer, CompletableFuture<Void>> heldParts = new ConcurrentHashMap<>();
    /** Whether a part's call fails once its body is in; null for success. */
    volatile Function<UploadPartRequest, Throwable> partFailure = part -> null;
    /** What CreateMultipartUpload answers; completed with "u1" unless replaced. */
    volatile CompletableFuture<CreateMultipartUploadResponse> create;

    List<Call> calls(String operation) {
        return calls.stream().filter(c -> c.operation().equals(operation)).toList();
    }

    /** The object CompleteMultipartUpload would assemble: the last successful body of each listed part, in order. */
    byte[] assembled() {
        CompleteMultipartUploadRequest complete = (CompleteMultipartUploadRequest) calls("CompleteMultipartUpload").get(0).request();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (CompletedPart part : complete.multipartUpload().parts()) {
            List<Call> attempts = new ArrayList<>(calls("UploadPart").stream()
                    .filter(c -> c.partNumber() == part.partNumber() && c.future().isDone() && !c.future().isCompletedExceptionally())
                    .toList());
            out.writeBytes(attempts.get(attempts.size() - 1).body().bytes());
        }
        return out.toByteArray();
    }

    @Override
    public CompletableFuture<CreateMultipartUploadResponse> createMultipartUpload(CreateMultipartUploadRequest request) {
        CompletableFuture<CreateMultipartUploadResponse> answer = create != null ? create
                : CompletableFuture.completedFuture(CreateMultipartUploadResponse.builder().uploadId("u1").build());
        calls.add(new Call("CreateMultipartUpload", request, answer, null));
        return answer;
    }

    @Override
    public CompletableFuture<UploadPartResponse> uploadPart(UploadPartRequest request, AsyncRequestBody body) {
        CompletableFuture<UploadPartResponse> answer = new CompletableFuture<>();
        CompletableFuture<Void> held = heldParts.get(request.partNumber());
        Body read = new Body(body.contentLength().orElseThrow(), held != null);
        calls.add(new Call("UploadPart", request, answer, read));
        // What a held part sends is what its slices hold when it answers.
        CompletableFuture<Void> in = held == null ? read.done
                : read.done.thenCombine(held, (a, b) -> null).thenRun(read::readKept);
        in.whenComplete((ok, error) -> {
            Throwable failure = error != null ? error : partFailure.apply(request);
            if (failure != null) {
                answer.completeExceptionally(failure);
            } else {
                answer.complete(UploadPartResponse.builder().eTag("etag-" + request.partNumber()).build());
            }
        });
        read(body, read);
        return answer;
    }

    @Override
    public CompletableFuture<PutObjectResponse> putObject(PutObjectRequest request, AsyncRequestBody body) {
        CompletableFuture<PutObjectResponse> answer = new CompletableFuture<>();
        Body read = new Body(body.contentLength().orElseThrow(), false);
        calls.add(new Call("PutObject", request, answer, read));
        read.done.whenComplete((ok, error) -> {
            if (error == null && holdPutAnswers) {
                return;
            }
            if (error != null) {
                answer.completeExceptionally(error);
            } else {
                answer.complete(PutObjectResponse.builder().eTag("put-etag").build());
            }
        });
        read(body, read);
        return answer;
    }

    /** An empty body is not read at all, as the SDK's HTTP client sends a request of Content-Length 0. */
    private static void read(AsyncRequestBody body, Body read) {
        if (read.length == 0) {
            read.done.complete(null);
        } else {
            body.subscribe(read);
        }
    }

    @Override
    public CompletableFuture<CompleteMultipartUploadResponse> completeMultipartUpload(CompleteMultipartUploadRequest request) {
        // Empty, like Ceph RGW 16: the upload must ask HeadObject.
        CompletableFuture<CompleteMultipartUploadResponse> answer = CompletableFuture.completedFuture(
                CompleteMultipartUploadResponse.builder().eTag("").build());
        calls.add(new Call("CompleteMultipartUpload", request, answer, null));
        return answer;
    }

    @Override
    public CompletableFuture<AbortMultipartUploadResponse> abortMultipartUpload(AbortMultipartUploadRequest request) {
        CompletableFuture<AbortMultipartUploadResponse> answer = CompletableFuture.completedFuture(
                AbortMultipartUploadResponse.builder().build());
        calls.add(new Call("AbortMultipartUpload", request, answer, null));
        return answer;
    }

    @Override
    public CompletableFuture<HeadObjectResponse> headObject(HeadObjectRequest request) {
        CompletableFuture<HeadObjectResponse> answer = CompletableFuture.completedFuture(
                HeadObjectResponse.builder().eTag("head-etag").build());
        calls.add(new Call("HeadObject", request, answer, null));
        return answer;
    }

    @Override
    public String serviceName() {
        return "s3";
    }

    @Override
    public void close() {
    }

    /** Lets a part of {@link #heldParts} answer: what it sends is what its slices hold now. */
    void answer(int partNumber) {
        heldParts.get(partNumber).complete(null);
    }

    /** Reads a request body the way the SDK's HTTP client does: one slice at a time. */
    final class Body implements Subscriber<ByteBuffer> {
        final long length;
        final CompletableFuture<Void> done = new CompletableFuture<>();
        private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        /** Whether slices are kept as handed and read only at {@link #readKept}. */
        private boolean late;
        private final List<ByteBuffer> kept = new ArrayList<>();
        private long size;
        private Subscription subscription;

        Body(long length, boolean late) {
            this.length = length;
            this.late = late;
        }

        synchronized byte[] bytes() {
            return bytes.toByteArray();
        }

        synchronized void readKept() {
            for (ByteBuffer slice : kept) {
                byte[] copy = new byte[slice.remaining()];
                slice.get(copy);
                bytes.writeBytes(copy);
            }
            kept.clear();
            late = false;
        }

        synchronized long size() {
            return size;
        }

        @Override
        public void onSubscribe(Subscription s) {
            subscription = s;
            if (!stall) {
                s.request(1);
            }
        }

        @Override
        public void onNext(ByteBuffer slice) {
            synchronized (this) {
                size += slice.remaining();
                if (late) {
                    kept.add(slice);
                } else {
                    byte[] copy = new byte[slice.remaining()];
                    slice.get(copy);
                    bytes.writeBytes(copy);
                }
            }
            // Like an HTTP client that knows the length: it asks for no byte beyond it.
            if (!stall && size() < length) {
                subscription.request(1);
            }
        }

        @Override
        public void onError(Throwable t) {
            done.completeExceptionally(t);
        }

        @Override
        public void onComplete() {
            if (size() != length) {
                done.completeExceptionally(new IllegalStateException("body of " + size() + " bytes, declared " + length));
            } else {
                done.complete(null);
            }
        }
    }
}
