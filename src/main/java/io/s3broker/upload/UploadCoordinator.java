package io.s3broker.upload;

import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.Flow;

import org.jboss.logging.Logger;

import io.s3broker.s3.S3Failure;
import io.vertx.core.buffer.Buffer;
import software.amazon.awssdk.core.async.AsyncRequestBody;
import software.amazon.awssdk.services.s3.model.CompletedPart;

/**
 * Runs one upload: reads the client's body (the subscriber of its stream), lets the {@link PartAssembler} cut it,
 * streams each part through a {@link StreamedPart} into the calls of a {@link MultipartSession}, and ends it: one
 * result, or a failure once nothing is left in S3. Design and the orders of events it handles:
 * docs/decisions/0009-every-part-streamed.md. Every field is touched on the upload's loop only (the request's
 * event loop): SDK callbacks come back through {@link Loop#execute}, the one way in, so there are no locks.
 */
final class UploadCoordinator implements Flow.Subscriber<Buffer>, PartAssembler.Sink {

    /** The thread the upload's state lives on. */
    interface Loop extends Executor {
        /** Runs {@code task} on the loop after {@code millis}; returns what cancels it. */
        Runnable schedule(long millis, Runnable task);
    }

    private static final Logger LOG = Logger.getLogger(UploadCoordinator.class);
    /** Chunks asked of the client at a time: enough to keep it busy, few enough to overshoot a part by little. */
    private static final int BATCH = 16;

    private final UploadTarget target;
    private final UploadSettings settings;
    private final MultipartSession session;
    private final PartBufferPool buffers;
    private final Loop loop;
    private final PartAssembler parts;
    /** A body of known length that goes as one streamed PutObject. */
    private final boolean single;
    private final CompletableFuture<UploadResult> result = new CompletableFuture<>();

    private Flow.Subscription client;
    /** Chunks asked of the client and not yet had. */
    private long outstanding;
    private boolean ended;
    private boolean mayCommit;
    private boolean waitingForBuffer;
    private ByteBuffer copy;
    /**
     * Chunks (the first perhaps in part) that wait until an earlier part's call no longer holds the slices of the
     * copy they would overwrite; at most the chunks asked for before that, {@link #BATCH}.
     */
    private final ArrayDeque<ByteBuffer> unfed = new ArrayDeque<>();
    /** The body has ended and all of it went to the assembler. */
    private boolean bodyIn;
    /** The part the client's bytes go to; null between parts. */
    private StreamedPart current;
    private boolean currentStarted;
    private CompletableFuture<String> created;
    /** Calls made and not answered (a part waiting for CreateMultipartUpload included), by part number. */
    private final Map<Integer, CompletableFuture<?>> calls = new HashMap<>();
    private final List<CompletedPart> done = new ArrayList<>();
    private String singleEtag;
    /** The part the body ended inside, to send from the copy; 0 if none. */
    private int lastFromCopy;
    private boolean lastSent;
    private boolean finishing;
    private boolean cleaning;
    private Throwable failure;
    private final IdleWatch idle;

    UploadCoordinator(UploadTarget target, BodyLength length, UploadSettings settings, MultipartSession session,
            PartBufferPool buffers, Loop loop, CompletionStage<Void> commitGate) {
        this.target = target;
        this.settings = settings;
        this.session = session;
        this.buffers = buffers;
        this.loop = loop;
        this.single = length.exact() >= 0 && length.exact() <= settings.multipartThreshold();
        this.parts = new PartAssembler(length, single, settings.partSize(), settings.maxSize());
        // Waiting for a buffer has its own bound; the calls that finish an upload have call timeouts.
        this.idle = new IdleWatch(loop, settings.idleTimeout(), () -> waitingForBuffer || finishing, this::idle);
        commitGate.whenComplete((ok, error) -> loop.execute(() -> {
            progress();
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

    /**
     * Stops the upload from outside (shutdown): its calls are cancelled, its multipart upload aborted, and then
     * its result fails with {@code reason}. An upload whose body is all in and valid is left to finish.
     */
    void abort(Throwable reason) {
        loop.execute(() -> {
            if (!(bodyIn && mayCommit)) {
                fail(reason);
            }
        });
    }

    // --- the client's body ---

    @Override
    public void onSubscribe(Flow.Subscription subscription) {
        client = subscription;
        if (failure != null) {
            subscription.cancel();
            return;
        }
        idle.start();
        if (!parts.needsCopy()) {
            begin();
            return;
        }
        waitingForBuffer = true;
        buffers.acquire(settings.bufferWait()).whenComplete((buffer, error) -> loop.execute(() -> {
            waitingForBuffer = false;
            progress();
            if (error != null) {
                fail(error);
            } else if (failure != null || result.isDone()) {
                buffers.release(buffer);
            } else {
                copy = buffer;
                parts.copyInto(buffer);
                begin();
            }
        }));
    }

    private void begin() {
        if (single || parts.sizeKnown(1)) {
            newPart(1);
            if (parts.declaredSize(1) == 0) {
                current.complete();
                current = null;
            }
        }
        read();
        // The body may have ended before it was asked for.
        maybeFinish();
    }

    @Override
    public void onNext(Buffer chunk) {
        outstanding--;
        progress();
        if (failure != null) {
            return;
        }
        unfed.add(chunk.getByteBuf().nioBuffer());
        feedUnfed();
    }

    /** Feeds the chunks not fed yet, in order, as far as the copy allows; ends the body once all went in. */
    private void feedUnfed() {
        while (!unfed.isEmpty()) {
            ByteBuffer bytes = unfed.peek();
            try {
                parts.feed(bytes, this);
            } catch (UploadFailure e) {
                fail(e);
                return;
            }
            if (bytes.hasRemaining()) {
                break;
            }
            unfed.poll();
        }
        startWhenReady();
        read();
        endWhenFed();
    }

    @Override
    public void bytes(int part, ByteBuffer slice) {
        if (current == null || current.number() != part) {
            newPart(part);
        }
        current.offer(slice);
    }

    @Override
    public void full(int part) {
        if (!currentStarted) {
            start();
        }
        current.complete();
        current = null;
    }

    @Override
    public void onError(Throwable error) {
        fail(new UploadFailure(UploadFailure.Kind.BROKEN_BODY, "The upload stream broke off: " + error.getMessage(), error));
    }

    @Override
    public void onComplete() {
        ended = true;
        outstanding = 0;
        progress();
        endWhenFed();
    }

    private void endWhenFed() {
        if (!ended || !unfed.isEmpty() || bodyIn || failure != null) {
            return;
        }
        bodyIn = true;
        if (!parts.endedWhole()) {
            fail(new UploadFailure(UploadFailure.Kind.BROKEN_BODY, "The body ended before its declared length"));
            return;
        }
        if (current != null) {
            // The body ended inside a part of unknown length: it goes from the copy, as the last part.
            lastFromCopy = current.number();
            if (currentStarted) {
                current.cancel(new CancellationException("the body ended inside this part"));
            } else {
                calls.remove(lastFromCopy);
            }
            current = null;
        }
        maybeFinish();
    }

    /** Asks the client for as many chunks as the part being filled can take. */
    private void read() {
        if (client == null || failure != null || ended || waitingForBuffer || !unfed.isEmpty()
                || parts.needsCopy() && copy == null) {
            return;
        }
        long want;
        if (current != null && currentStarted) {
            want = Math.min(current.wanted(), BATCH);
        } else {
            // A part of unknown length collects its first bytes before its call starts.
            long have = current == null ? 0 : current.waitingBytes();
            want = have < settings.streamAfter() ? BATCH : 0;
        }
        if (want > outstanding) {
            long more = want - outstanding;
            // Counted before asking: the stream may hand over chunks it holds already, within request().
            outstanding = want;
            client.request(more);
        }
    }

    // --- S3 ---

    private void newPart(int number) {
        current = new StreamedPart(number, parts.declaredSize(number), loop, () -> {
            progress();
            read();
        });
        currentStarted = false;
        if (single || parts.sizeKnown(number)) {
            start();
        }
    }

    /** Starts the current part of unknown length once it has collected enough and a call may be made. */
    private void startWhenReady() {
        if (current != null && !currentStarted && current.waitingBytes() >= settings.streamAfter()
                && calls.size() < settings.maxPartsInFlight()) {
            start();
        }
    }

    private void start() {
        StreamedPart part = current;
        currentStarted = true;
        int number = part.number();
        parts.started(number);
        if (single) {
            CompletableFuture<String> call = session.putObject(part, true);
            calls.put(number, call);
            call.whenComplete((etag, error) -> loop.execute(() -> {
                singleEtag = etag;
                answered(number, null, error);
            }));
            return;
        }
        calls.put(number, new CompletableFuture<>());
        if (created == null) {
            created = session.create();
        }
        created.whenComplete((id, error) -> loop.execute(() -> {
            if (error != null || failure != null || part.cancelled()) {
                answered(number, null, error != null ? error : new CancellationException());
                return;
            }
            send(number, part, true);
        }));
    }

    private void send(int number, AsyncRequestBody body, boolean streamed) {
        CompletableFuture<CompletedPart> call = session.uploadPart(number, body, streamed);
        calls.put(number, call);
        call.whenComplete((part, error) -> loop.execute(() -> answered(number, part, error)));
    }

    private void answered(int number, CompletedPart part, Throwable error) {
        calls.remove(number);
        progress();
        if (failure != null) {
            cleanUp();
            return;
        }
        if (number == lastFromCopy && !lastSent) {
            // The streamed attempt of the last part, cancelled when the body ended inside it.
            maybeFinish();
            return;
        }
        if (error != null) {
            fail(error);
            return;
        }
        if (part != null) {
            done.add(part);
        }
        parts.released(number);
        feedUnfed();
        maybeFinish();
    }

    private void maybeFinish() {
        if (failure != null || finishing || !bodyIn || waitingForBuffer) {
            return;
        }
        if (lastFromCopy > 0 && !lastSent) {
            if (calls.containsKey(lastFromCopy)) {
                return;
            }
            if (created != null) {
                lastSent = true;
                send(lastFromCopy, AsyncRequestBody.fromByteBuffersUnsafe(parts.lastPart()), false);
                return;
            }
            if (!mayCommit) {
                return;
            }
            // The whole body fit in the first part's first bytes: one PutObject, no multipart upload.
            finishing = true;
            finish(session.putObject(parts.lastPart()));
            return;
        }
        if (!calls.isEmpty() || !mayCommit) {
            return;
        }
        finishing = true;
        if (single) {
            finish(CompletableFuture.completedFuture(singleEtag));
        } else if (created == null) {
            finish(session.putObject(ByteBuffer.allocate(0)));
        } else {
            List<CompletedPart> ordered = new ArrayList<>(done);
            ordered.sort(Comparator.comparing(CompletedPart::partNumber));
            finish(session.complete(ordered).thenCompose(etag -> etag == null || etag.isEmpty()
                    ? session.storedEtag() : CompletableFuture.completedFuture(etag)));
        }
    }

    private void finish(CompletableFuture<String> etag) {
        etag.whenComplete((tag, error) -> loop.execute(() -> {
            if (error != null) {
                finishing = false;
                fail(error);
                return;
            }
            stopWatching();
            releaseCopy();
            result.complete(new UploadResult(target.location().bucket(), target.location().key(), parts.total(), tag));
        }));
    }

    // --- failure: nothing may be left behind ---

    private void fail(Throwable error) {
        if (failure != null || finishing || result.isDone()) {
            return;
        }
        failure = error;
        if (client != null) {
            client.cancel();
        }
        // The SDK's own futures: cancelling them aborts the HTTP requests, so S3 keeps nothing of a streamed body.
        List.copyOf(calls.values()).forEach(call -> call.cancel(true));
        if (current != null) {
            current.cancel(error);
            current = null;
        }
        cleanUp();
    }

    /** Once no call is in flight, aborts the multipart upload (if one was created) and only then reports. */
    private void cleanUp() {
        if (!calls.isEmpty() || cleaning) {
            return;
        }
        cleaning = true;
        stopWatching();
        session.abort().whenComplete((ignored, abortError) -> loop.execute(() -> {
            if (abortError != null) {
                LOG.errorf("Could not abort the multipart upload of %s yet (tried again in the background): %s",
                        target.location(), abortError.toString());
            }
            releaseCopy();
            result.completeExceptionally(failure);
        }));
    }

    private void releaseCopy() {
        if (copy != null) {
            buffers.release(copy);
            copy = null;
        }
    }

    // --- the idle bound ---

    private void progress() {
        idle.progress();
    }

    /** Nothing moved for the idle timeout: whose turn it was says whose fault it is. */
    private void idle() {
        boolean clientsTurn = bodyIn ? !mayCommit : outstanding > 0 && unfed.isEmpty();
        fail(clientsTurn ? UploadFailure.idle(settings.idleTimeout())
                : new S3Failure(S3Failure.Kind.TIMEOUT, "S3 took none of the upload's bytes for "
                        + settings.idleTimeout().toSeconds() + " s"));
    }

    private void stopWatching() {
        idle.stop();
    }
}
