package io.s3broker.s3;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Flow;

import org.jboss.logging.Logger;

import io.s3broker.rest.error.BrokerException;
import io.s3broker.rest.error.ErrorCode;
import io.vertx.core.Context;
import io.vertx.core.buffer.Buffer;
import software.amazon.awssdk.core.async.AsyncRequestBody;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.CreateMultipartUploadRequest;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;

/**
 * One upload of unknown (or very large) length from a client's stream into S3: parts of {@code partSize} are
 * cut from the stream and sent with at most {@code maxPartsInFlight} at a time; a body smaller than one part
 * goes as one PutObject. Demand is the backpressure: the client's stream is read only while the upload holds a
 * part buffer from the {@link PartBufferPool} and a slot for the part is free, so memory stays bounded.
 * <p>
 * Written by hand rather than with the SDK's multipart client because that client neither aborts an
 * unknown-length upload whose stream fails nor tells its upload id, which would leave orphaned uploads.
 * Every field is touched on one Vert.x context only (S3 callbacks hop back onto it), so there are no locks.
 */
final class StreamingUpload implements Flow.Subscriber<Buffer>, ActiveUpload {

    private static final Logger LOG = Logger.getLogger(StreamingUpload.class);
    /** Chunks asked of the client's stream at a time: small enough to overshoot a part by little. */
    private static final int BATCH = 16;

    private final RegionClients clients;
    private final UploadTarget target;
    private final UploadSettings settings;
    private final PartBufferPool buffers;
    private final S3Calls calls;
    private final Context context;
    private final CompletableFuture<UploadResult> result = new CompletableFuture<>();

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
            S3Calls calls, Context context, CompletionStage<Void> commitGate) {
        this.clients = clients;
        this.target = target;
        this.settings = settings;
        this.buffers = buffers;
        this.calls = calls;
        this.context = context;
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
        reserveThenRead();
    }

    @Override
    public void onNext(Buffer chunk) {
        outstanding--;
        if (failure != null) {
            return;
        }
        total += chunk.length();
        if (total > settings.maxSize()) {
            fail(new BrokerException(ErrorCode.PAYLOAD_TOO_LARGE,
                    "The upload exceeds the maximum size of " + settings.maxSize() + " bytes"));
            return;
        }
        pending.add(chunk.getByteBuf().nioBuffer());
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
        fail(new BrokerException(ErrorCode.INVALID_REQUEST, "The upload stream broke off: " + error.getMessage(), error));
    }

    @Override
    public void onComplete() {
        streamEnded = true;
        maybeFinish();
    }

    // --- reading, with backpressure ---

    /** A part buffer must be at hand before bytes are read. */
    private void reserveThenRead() {
        if (part != null) {
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

    private CompletableFuture<String> createMultipartUpload() {
        CreateMultipartUploadRequest.Builder create = CreateMultipartUploadRequest.builder()
                .bucket(target.location().bucket())
                .key(target.location().key())
                .contentType(target.contentType())
                .overrideConfiguration(o -> o.apiCallTimeout(settings.metadataTimeout()));
        target.acl().ifPresent(create::acl);
        return calls.timed("CreateMultipartUpload", () -> clients.s3().createMultipartUpload(create.build()))
                .thenApply(response -> response.uploadId());
    }

    private CompletableFuture<CompletedPart> uploadPart(String id, int partNumber, ByteBuffer buffer) {
        // The buffer is not touched until the call is over, so the SDK may read it without copying; it can also
        // read it again for a retry, unlike the client's stream.
        long bytes = buffer.remaining();
        AsyncRequestBody body = AsyncRequestBody.fromByteBufferUnsafe(buffer);
        return calls.timed("UploadPart", () -> clients.s3().uploadPart(p -> p
                        .bucket(target.location().bucket())
                        .key(target.location().key())
                        .uploadId(id)
                        .partNumber(partNumber)
                        .contentLength(bytes)
                        .overrideConfiguration(o -> o.apiCallTimeout(settings.callTimeout())), body))
                .thenApply(response -> CompletedPart.builder().partNumber(partNumber).eTag(response.eTag()).build());
    }

    private void maybeFinish() {
        if (failure != null || committing || !streamEnded || !mayCommit || !pending.isEmpty() || reserving) {
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
                .overrideConfiguration(o -> o.apiCallTimeout(settings.callTimeout()));
        target.acl().ifPresent(put::acl);
        calls.timed("PutObject", () -> clients.s3().putObject(put.build(), body))
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
        uploadId.thenCompose(id -> calls.timed("CompleteMultipartUpload", () -> clients.s3().completeMultipartUpload(c -> c
                        .bucket(target.location().bucket())
                        .key(target.location().key())
                        .uploadId(id)
                        .multipartUpload(m -> m.parts(ordered))
                        .overrideConfiguration(o -> o.apiCallTimeout(settings.callTimeout())))))
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
        return calls.timed("AbortMultipartUpload", () -> clients.s3().abortMultipartUpload(a -> a
                        .bucket(target.location().bucket())
                        .key(target.location().key())
                        .uploadId(id)
                        .overrideConfiguration(o -> o.apiCallTimeout(settings.metadataTimeout()))))
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
     * @param callTimeout bound of a call that carries or assembles data: UploadPart, PutObject, CompleteMultipartUpload
     * @param metadataTimeout bound of CreateMultipartUpload and of each AbortMultipartUpload attempt: the client gets
     *        its error only after the abort, so with S3 stalled this bounds how long it waits (broker.s3.timeout)
     */
    record UploadSettings(long partSize, int maxPartsInFlight, long maxSize, Duration callTimeout,
            Duration metadataTimeout) {
    }
}
