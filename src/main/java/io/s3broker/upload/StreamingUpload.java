package io.s3broker.upload;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Flow;

import org.jboss.logging.Logger;
import org.reactivestreams.Subscriber;
import org.reactivestreams.Subscription;

import io.s3broker.aws.RegionClients;
import io.s3broker.s3.S3CallTimer;
import io.s3broker.s3.S3Errors;
import io.vertx.core.Context;
import io.vertx.core.buffer.Buffer;
import software.amazon.awssdk.core.async.AsyncRequestBody;
import software.amazon.awssdk.services.s3.S3AsyncClient;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.CreateMultipartUploadRequest;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;

/**
 * One upload of unknown (or very large) length from a client's stream into S3: parts of {@code partSize} are
 * cut from the stream and sent with at most {@code maxPartsInFlight} at a time; a body smaller than one part
 * goes as one PutObject. Demand is the backpressure: the client's stream is read only while the upload holds a
 * part buffer from the {@link PartBufferPool} and a slot for the part is free, so memory stays bounded.
 * <p>
 * When the caller knows that a valid body has at least some number of bytes (a form with a Content-Length), that
 * many go first as one part streamed as it arrives, paced by the SDK's demand like a streamed PutObject: the
 * gateway stores one large part about as cheaply as one object, and many small ones measurably less so
 * (bench/results-upload.md). Only the rest, a few KiB of slack, is buffered.
 * <p>
 * Written by hand rather than with the SDK's multipart client because that client neither aborts an
 * unknown-length upload whose stream fails nor tells its upload id, which would leave orphaned uploads.
 * Every field is touched on one Vert.x context only (S3 callbacks hop back onto it), so there are no locks.
 */
final class StreamingUpload implements Flow.Subscriber<Buffer>, ActiveUpload {

    private static final Logger LOG = Logger.getLogger(StreamingUpload.class);
    /** Chunks asked of the client's stream at a time: small enough to overshoot a part by little. */
    private static final int BATCH = 16;
    /** S3's largest part. */
    static final long MAX_PART_SIZE = 5L << 30;

    private final RegionClients clients;
    private final UploadTarget target;
    private final UploadSettings settings;
    private final PartBufferPool buffers;
    private final S3CallTimer calls;
    private final Context context;
    private final CompletableFuture<UploadResult> result = new CompletableFuture<>();
    /** The streamed first part while the client's bytes go into it; null when there is none, or no longer. */
    private StreamedFirstPart first;

    private Flow.Subscription subscription;
    private long outstanding;
    /** The part being filled, from the pool; null while none is held. */
    private ByteBuffer part;
    private boolean reserving;
    /**
     * Chunks (or their rest) received but not yet copied into a part, in order: at most one batch, since chunks
     * already asked for may still arrive after a part filled up.
     */
    private final ArrayDeque<ByteBuffer> pending = new ArrayDeque<>();
    private boolean fullPartWaiting;
    private long total;
    private boolean streamEnded;
    private boolean mayCommit;
    private boolean committing;
    private Throwable failure;
    private CompletableFuture<String> uploadId;
    private int nextPartNumber = 1;
    private int inFlight;
    private final List<CompletedPart> parts = new ArrayList<>();

    StreamingUpload(RegionClients clients, UploadTarget target, UploadSettings settings, PartBufferPool buffers,
            S3CallTimer calls, Context context, CompletionStage<Void> commitGate, long leastLength) {
        this.clients = clients;
        this.target = target;
        this.settings = settings;
        this.buffers = buffers;
        this.calls = calls;
        this.context = context;
        long firstPart = Math.min(leastLength, MAX_PART_SIZE);
        if (firstPart >= settings.partSize()) {
            first = new StreamedFirstPart(firstPart);
        }
        commitGate.whenComplete((ok, error) -> onContext(() -> {
            if (error != null) {
                fail(error);
            } else {
                mayCommit = true;
                maybeFinish();
            }
        }));
    }

    CompletableFuture<UploadResult> result() {
        return result;
    }

    @Override
    public CompletableFuture<?> done() {
        return result;
    }

    @Override
    public void abort(Throwable reason) {
        onContext(() -> fail(reason));
    }

    // --- the client's stream ---

    @Override
    public void onSubscribe(Flow.Subscription subscription) {
        this.subscription = subscription;
        if (failure != null) {
            subscription.cancel();
            return;
        }
        if (first != null) {
            sendFirstPart();
        } else {
            reserveThenRead();
        }
    }

    @Override
    public void onNext(Buffer chunk) {
        outstanding--;
        if (failure != null) {
            return;
        }
        total += chunk.length();
        if (total > settings.maxSize()) {
            fail(UploadFailure.tooLarge(settings.maxSize()));
            return;
        }
        ByteBuffer bytes = chunk.getByteBuf().nioBuffer();
        if (first != null && !first.deliver(bytes)) {
            return;
        }
        if (bytes.hasRemaining()) {
            pending.add(bytes);
        }
        drain();
        reserveThenRead();
    }

    /** Copies pending chunks into the part buffer, sending each part that fills up, while there is a buffer. */
    private void drain() {
        while (!pending.isEmpty() && part != null && !fullPartWaiting && failure == null) {
            ByteBuffer in = pending.peek();
            int n = Math.min(in.remaining(), part.remaining());
            ByteBuffer slice = in.slice();
            slice.limit(n);
            part.put(slice);
            in.position(in.position() + n);
            if (!in.hasRemaining()) {
                pending.poll();
            }
            if (!part.hasRemaining()) {
                partFilled();
            }
        }
    }

    @Override
    public void onError(Throwable error) {
        fail(new UploadFailure(UploadFailure.Kind.BROKEN_BODY, "The upload stream broke off: " + error.getMessage(), error));
    }

    @Override
    public void onComplete() {
        streamEnded = true;
        maybeFinish();
    }

    // --- reading, with backpressure ---

    /** A part buffer must be at hand before bytes are read. */
    private void reserveThenRead() {
        if (part != null || first != null) {
            read();
            return;
        }
        if (reserving || failure != null || streamEnded && pending.isEmpty()) {
            return;
        }
        reserving = true;
        buffers.acquire().whenComplete((buffer, error) -> onContext(() -> {
            reserving = false;
            if (failure != null || result.isDone()) {
                buffers.release(buffer);
                return;
            }
            part = buffer;
            drain();
            reserveThenRead();
            maybeFinish();
        }));
    }

    private void read() {
        if (first != null) {
            first.read();
            return;
        }
        if (failure == null && !streamEnded && part != null && !fullPartWaiting && pending.isEmpty() && outstanding == 0) {
            outstanding = BATCH;
            subscription.request(BATCH);
        }
    }

    private void partFilled() {
        if (inFlight >= settings.maxPartsInFlight()) {
            fullPartWaiting = true;
            return;
        }
        sendPart();
    }

    // --- S3 ---

    /** Sends the part buffer as the next part; the buffer goes back to the pool once S3 has it. */
    private void sendPart() {
        ByteBuffer buffer = part;
        part = null;
        buffer.flip();
        int partNumber = nextPartNumber++;
        inFlight++;
        if (uploadId == null) {
            uploadId = createMultipartUpload();
        }
        uploadId.thenCompose(id -> uploadPart(id, partNumber, buffer))
                .whenComplete((sent, error) -> onContext(() -> {
                    buffers.release(buffer);
                    partSent(sent, error);
                }));
    }

    private void partSent(CompletedPart sent, Throwable error) {
        inFlight--;
        if (error != null) {
            if (failure == null) {
                fail(error);
            } else {
                // Failed already (client gone, too large...): this was the part cleanUp waited for.
                cleanUp();
            }
            return;
        }
        parts.add(sent);
        if (failure != null) {
            cleanUp();
            return;
        }
        if (fullPartWaiting) {
            fullPartWaiting = false;
            sendPart();
        }
        drain();
        reserveThenRead();
        maybeFinish();
    }

    /** Part 1, whose body is the client's stream; the bytes after it go on in buffered parts. */
    private void sendFirstPart() {
        StreamedFirstPart body = first;
        int partNumber = nextPartNumber++;
        inFlight++;
        uploadId = createMultipartUpload();
        // The streaming client does not retry: a stream cannot be read twice. No call timeout either, as for a
        // streamed PutObject: the part takes as long as the client takes to send it.
        uploadId.thenCompose(id -> uploadPart(clients.singleAttempt(), id, partNumber, body, null))
                .whenComplete((sent, error) -> onContext(() -> partSent(sent, error)));
    }

    private CompletableFuture<String> createMultipartUpload() {
        CreateMultipartUploadRequest.Builder create = CreateMultipartUploadRequest.builder()
                .bucket(target.location().bucket())
                .key(target.location().key())
                .contentType(target.contentType())
                .overrideConfiguration(o -> o.apiCallTimeout(settings.metadataTimeout())
                        .credentialsProvider(target.credentials().provider()));
        target.acl().ifPresent(create::acl);
        return calls.timed("CreateMultipartUpload", () -> clients.retrying().createMultipartUpload(create.build()))
                .thenApply(response -> response.uploadId());
    }

    private CompletableFuture<CompletedPart> uploadPart(String id, int partNumber, ByteBuffer buffer) {
        // The buffer is not touched until the call is over, so the SDK may read it without copying; it can also
        // read it again for a retry, unlike the client's stream.
        return uploadPart(clients.retrying(), id, partNumber, AsyncRequestBody.fromByteBufferUnsafe(buffer),
                settings.callTimeout());
    }

    /** @param timeout bound of the call, retries included; null for none */
    private CompletableFuture<CompletedPart> uploadPart(S3AsyncClient client, String id, int partNumber,
            AsyncRequestBody body, Duration timeout) {
        long bytes = body.contentLength().orElseThrow();
        return calls.timed("UploadPart", () -> client.uploadPart(p -> {
                    p.bucket(target.location().bucket())
                            .key(target.location().key())
                            .uploadId(id)
                            .partNumber(partNumber)
                            .contentLength(bytes)
                            .overrideConfiguration(o -> {
                                o.credentialsProvider(target.credentials().provider());
                                if (timeout != null) {
                                    o.apiCallTimeout(timeout);
                                }
                            });
                }, body))
                .thenApply(response -> CompletedPart.builder().partNumber(partNumber).eTag(response.eTag()).build());
    }

    private void maybeFinish() {
        if (failure != null || committing || !streamEnded || !mayCommit || !pending.isEmpty() || reserving) {
            return;
        }
        if (first != null) {
            // The caller promised at least the first part's length for a valid body, and then judged it valid.
            fail(new IllegalStateException("the body ended " + first.remaining + " bytes short of its first part"));
            return;
        }
        if (uploadId == null) {
            committing = true;
            putWhole();
            return;
        }
        if (part != null && part.position() > 0) {
            if (inFlight < settings.maxPartsInFlight()) {
                sendPart();
            } else {
                fullPartWaiting = true;
            }
            return;
        }
        if (inFlight == 0 && !fullPartWaiting) {
            committing = true;
            completeMultipartUpload();
        }
    }

    /** The whole body fit in one part: one PutObject, no multipart upload to create or clean up. */
    private void putWhole() {
        ByteBuffer buffer = part;
        part = null;
        if (buffer != null) {
            buffer.flip();
        }
        long size = buffer == null ? 0 : buffer.remaining();
        AsyncRequestBody body = buffer == null ? AsyncRequestBody.empty() : AsyncRequestBody.fromByteBufferUnsafe(buffer);
        PutObjectRequest.Builder put = PutObjectRequest.builder()
                .bucket(target.location().bucket())
                .key(target.location().key())
                .contentType(target.contentType())
                .contentLength(size)
                .overrideConfiguration(o -> o.apiCallTimeout(settings.callTimeout())
                        .credentialsProvider(target.credentials().provider()));
        target.acl().ifPresent(put::acl);
        calls.timed("PutObject", () -> clients.retrying().putObject(put.build(), body))
                .whenComplete((response, error) -> onContext(() -> {
                    if (buffer != null) {
                        buffers.release(buffer);
                    }
                    if (error != null) {
                        fail(error);
                    } else {
                        result.complete(new UploadResult(target.location().bucket(), target.location().key(), size,
                                response.eTag()));
                    }
                }));
    }

    private void completeMultipartUpload() {
        releasePart();
        List<CompletedPart> ordered = new ArrayList<>(parts);
        ordered.sort(Comparator.comparing(CompletedPart::partNumber));
        long size = total;
        uploadId.thenCompose(id -> calls.timed("CompleteMultipartUpload", () -> clients.retrying().completeMultipartUpload(c -> c
                        .bucket(target.location().bucket())
                        .key(target.location().key())
                        .uploadId(id)
                        .multipartUpload(m -> m.parts(ordered))
                        .overrideConfiguration(o -> o.apiCallTimeout(settings.callTimeout())
                                .credentialsProvider(target.credentials().provider())))))
                .whenComplete((response, error) -> onContext(() -> {
                    if (error != null) {
                        committing = false;
                        fail(error);
                    } else {
                        result.complete(new UploadResult(target.location().bucket(), target.location().key(), size,
                                response.eTag()));
                    }
                }));
    }

    // --- failure: nothing may be left behind ---

    private void fail(Throwable error) {
        if (failure != null || result.isDone()) {
            return;
        }
        failure = error;
        if (subscription != null) {
            subscription.cancel();
        }
        if (first != null) {
            first.fail(error);
            first = null;
        }
        releasePart();
        pending.clear();
        fullPartWaiting = false;
        cleanUp();
    }

    /** Once no part is in flight, aborts the multipart upload (if one was created) and only then reports. */
    private void cleanUp() {
        if (inFlight > 0) {
            return;
        }
        if (uploadId == null) {
            result.completeExceptionally(failure);
            return;
        }
        uploadId.handle((id, createError) -> id)
                .thenCompose(id -> id == null ? CompletableFuture.completedFuture(null) : abort(id, 3))
                .whenComplete((ignored, abortError) -> {
                    if (abortError != null) {
                        LOG.errorf("Could not abort the multipart upload of %s; a lifecycle rule must remove it: %s",
                                target.location(), abortError.toString());
                    }
                    result.completeExceptionally(failure);
                });
    }

    private CompletableFuture<Void> abort(String id, int attemptsLeft) {
        return calls.timed("AbortMultipartUpload", () -> clients.retrying().abortMultipartUpload(a -> a
                        .bucket(target.location().bucket())
                        .key(target.location().key())
                        .uploadId(id)
                        .overrideConfiguration(o -> o.apiCallTimeout(settings.metadataTimeout())
                                .credentialsProvider(target.credentials().provider()))))
                .<Void>thenApply(response -> null)
                .exceptionallyCompose(error -> S3Errors.isNotFound(error) || attemptsLeft <= 1
                        ? (S3Errors.isNotFound(error) ? CompletableFuture.completedFuture(null) : CompletableFuture.failedFuture(error))
                        : abort(id, attemptsLeft - 1));
    }

    private void releasePart() {
        if (part != null) {
            buffers.release(part);
            part = null;
        }
    }

    private void onContext(Runnable action) {
        if (Context.isOnEventLoopThread() && io.vertx.core.Vertx.currentContext() == context) {
            action.run();
        } else {
            context.runOnContext(ignored -> action.run());
        }
    }

    /**
     * The body of the streamed first part: the client's chunks as they come, each asked for only when the SDK asks for
     * one (so a slow S3 pauses the client), up to the part's length; the chunk that crosses it is split there.
     * Written by hand because it must hand the client's stream over, mid-chunk, to the buffered parts that follow,
     * which no adapter of Mutiny's or the SDK's does. Its state is the upload's, on the upload's context.
     */
    private final class StreamedFirstPart implements AsyncRequestBody {
        private final long length;
        private long remaining;
        private Subscriber<? super ByteBuffer> sdk;
        /** Chunks the SDK asked for and has not had. */
        private long demand;
        private Throwable failed;
        private boolean cancelled;

        StreamedFirstPart(long length) {
            this.length = length;
            this.remaining = length;
        }

        @Override
        public Optional<Long> contentLength() {
            return Optional.of(length);
        }

        @Override
        public void subscribe(Subscriber<? super ByteBuffer> subscriber) {
            onContext(() -> {
                if (sdk != null) {
                    subscriber.onSubscribe(new Ignored());
                    subscriber.onError(new IllegalStateException("the client's stream can be read only once"));
                    return;
                }
                sdk = subscriber;
                subscriber.onSubscribe(new Subscription() {
                    @Override
                    public void request(long n) {
                        onContext(() -> {
                            if (n <= 0) {
                                fail(new IllegalArgumentException("non-positive request " + n));
                                return;
                            }
                            demand = demand + n < 0 ? Long.MAX_VALUE : demand + n;
                            StreamingUpload.this.read();
                        });
                    }

                    @Override
                    public void cancel() {
                        // The SDK gave up on the part: its call fails, and that fails the upload.
                        onContext(() -> cancelled = true);
                    }
                });
                if (failed != null) {
                    subscriber.onError(failed);
                }
            });
        }

        /** Asks the client for as many chunks as the SDK wants, a batch at most. */
        void read() {
            long wanted = Math.min(demand, BATCH);
            if (failure == null && !streamEnded && wanted > outstanding) {
                long more = wanted - outstanding;
                // Counted before asking: the stream may hand over chunks it holds already, within request().
                outstanding = wanted;
                subscription.request(more);
            }
        }

        /**
         * Passes on what of {@code chunk} belongs to this part; the rest stays in the buffer for the parts after.
         * Returns false if the chunk is not taken: the SDK cancelled (its call fails, and with it the upload), or the
         * SDK had not asked for it. Such a chunk would queue up in the SDK's connection without bound, so that slip
         * in the demand arithmetic fails the upload loudly.
         */
        boolean deliver(ByteBuffer chunk) {
            if (cancelled) {
                return false;
            }
            if (demand == 0) {
                StreamingUpload.this.fail(new IllegalStateException("a chunk came that the SDK had not asked for"));
                return false;
            }
            int n = (int) Math.min(chunk.remaining(), remaining);
            ByteBuffer slice = chunk.slice();
            slice.limit(n);
            chunk.position(chunk.position() + n);
            remaining -= n;
            demand--;
            sdk.onNext(slice);
            if (remaining == 0) {
                first = null;
                sdk.onComplete();
            }
            return true;
        }

        void fail(Throwable error) {
            failed = error;
            if (sdk != null) {
                sdk.onError(error);
            }
        }
    }

    private static final class Ignored implements Subscription {
        @Override
        public void request(long n) {
        }

        @Override
        public void cancel() {
        }
    }

    /**
     * @param callTimeout bound of a call that carries or assembles data: UploadPart, PutObject, CompleteMultipartUpload
     * @param metadataTimeout bound of CreateMultipartUpload and of each AbortMultipartUpload attempt: the client gets
     *        its error only after the abort, so with S3 stalled this bounds how long it waits (broker.s3.timeout)
     */
    record UploadSettings(long partSize, int maxPartsInFlight, long maxSize, Duration callTimeout,
            Duration metadataTimeout) {
    }
}
