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
 * streams each part of known length through a {@link StreamedPart}, sends each part of unknown length from its part
 * buffer once it is full (or the body ends), and ends it: one result, or a failure once nothing is left in S3.
 * Design and the orders of events it handles: docs/decisions/0009-every-part-streamed.md and
 * docs/decisions/0018-unknown-length-parts-from-memory.md. Every field is touched on the upload's loop only (the
 * request's event loop): SDK callbacks come back through {@link Loop#execute}, the one way in, so there are no locks.
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
    /** The largest chunk a request body comes in ({@code quarkus.http.limits.max-chunk-size}); a larger one waits. */
    private static final int CHUNK = 64 << 10;
    /** The key of CreateMultipartUpload among the calls, which are otherwise by part number. */
    private static final int CREATE = 0;

    private final UploadTarget target;
    private final UploadSettings settings;
    private final MultipartSession session;
    private final PartBufferPool pool;
    private final UploadBuffers buffers;
    private final Loop loop;
    private final PartAssembler parts;
    /** A body of known length that goes as one streamed PutObject. */
    private final boolean single;
    private final CompletableFuture<UploadResult> result = new CompletableFuture<>();

    private Flow.Subscription client;
    /** Chunks asked of the client and not yet had. */
    private long outstanding;
    /** The client's chunks (or their rest) that wait for a part buffer. */
    private final ArrayDeque<ByteBuffer> pending = new ArrayDeque<>();
    private boolean ended;
    /** The body has ended and all of it is with the assembler. */
    private boolean bodyIn;
    private boolean mayCommit;
    private boolean waitingForBuffer;
    /** The part of known length the client's bytes go to; null between parts. */
    private StreamedPart current;
    private CompletableFuture<String> created;
    /** Calls made and not answered (a part waiting for CreateMultipartUpload included), by part number. */
    private final Map<Integer, CompletableFuture<?>> calls = new HashMap<>();
    private final List<CompletedPart> done = new ArrayList<>();
    private String singleEtag;
    /** Completes once the part of unknown length sent last has been answered: the next part's bytes wait for it. */
    private CompletableFuture<Void> previousAnswered = CompletableFuture.completedFuture(null);
    /** What completes when a part of unknown length has been answered, by part number. */
    private final Map<Integer, CompletableFuture<Void>> answers = new HashMap<>();
    /** The buffer of the part the body ended inside, and its number; null once sent, or if there is none. */
    private ByteBuffer last;
    private int lastNumber;
    private boolean finishing;
    private boolean cleaning;
    private Throwable failure;
    private final IdleWatch idle;

    UploadCoordinator(UploadTarget target, BodyLength length, UploadSettings settings, MultipartSession session,
            PartBufferPool pool, Loop loop, CompletionStage<Void> commitGate) {
        this.target = target;
        this.settings = settings;
        this.session = session;
        this.pool = pool;
        this.buffers = new UploadBuffers(pool);
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
            if (!(ended && mayCommit)) {
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
        pool.acquire(settings.bufferWait()).whenComplete((buffer, error) -> loop.execute(() -> {
            waitingForBuffer = false;
            progress();
            if (error != null) {
                fail(error);
            } else if (failure != null || result.isDone()) {
                pool.release(buffer);
            } else {
                buffers.own(buffer);
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
        ByteBuffer bytes = chunk.getByteBuf().nioBuffer();
        if (pending.isEmpty()) {
            take(bytes);
        } else {
            pending.add(bytes);
        }
        read();
    }

    /** Hands {@code bytes} to the assembler; what it cannot take for want of a buffer waits. */
    private void take(ByteBuffer bytes) {
        if (feed(bytes) && bytes.hasRemaining()) {
            pending.add(bytes);
        }
        createEarly();
    }

    /** A part buffer came back: the chunks that waited for it go first. */
    private void takePending() {
        while (!pending.isEmpty() && parts.hasCopy()) {
            ByteBuffer bytes = pending.peek();
            if (!feed(bytes)) {
                return;
            }
            if (!bytes.hasRemaining()) {
                pending.poll();
            }
        }
        if (ended && pending.isEmpty() && !bodyIn) {
            endOfBody();
        }
    }

    /** Returns false if the upload failed. */
    private boolean feed(ByteBuffer bytes) {
        try {
            parts.feed(bytes, this);
            return failure == null;
        } catch (UploadFailure e) {
            fail(e);
            return false;
        }
    }

    @Override
    public void bytes(int part, ByteBuffer slice) {
        if (current == null || current.number() != part) {
            newPart(part);
        }
        current.offer(slice);
    }

    @Override
    public void full(int part, ByteBuffer copied) {
        if (copied == null) {
            current.complete();
            current = null;
            return;
        }
        sendCopy(part, copied);
        ByteBuffer next = calls.size() < settings.maxPartsInFlight() ? buffers.second() : null;
        if (next != null) {
            parts.copyInto(next);
        }
        // Without a second buffer, the client waits for the first part sent to give its buffer back.
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
        if (failure == null && pending.isEmpty()) {
            endOfBody();
        }
    }

    /** All of the body is with the assembler. */
    private void endOfBody() {
        bodyIn = true;
        if (!parts.endedWhole()) {
            fail(new UploadFailure(UploadFailure.Kind.BROKEN_BODY, "The body ended before its declared length"));
            return;
        }
        if (parts.inPart() > 0) {
            // The body ended inside a part of unknown length: it goes from its buffer, as the last part.
            lastNumber = parts.part();
            last = parts.lastPart();
        }
        maybeFinish();
    }

    /** Asks the client for as many chunks as the part being filled can take. */
    private void read() {
        if (client == null || failure != null || ended || waitingForBuffer || !pending.isEmpty()) {
            return;
        }
        long want;
        if (current != null) {
            want = Math.min(current.wanted(), BATCH);
        } else if (parts.sizeKnown(parts.part())) {
            want = BATCH;
        } else if (parts.hasCopy()) {
            long room = parts.declaredSize(parts.part()) - parts.inPart();
            want = Math.min(BATCH, (room + CHUNK - 1) / CHUNK);
        } else {
            want = 0;
        }
        if (want > outstanding) {
            long more = want - outstanding;
            // Counted before asking: the stream may hand over chunks it holds already, within request().
            outstanding = want;
            client.request(more);
        }
    }

    // --- S3 ---

    /** Starts the call of a part of known length, streamed from the client. */
    private void newPart(int number) {
        StreamedPart part = new StreamedPart(number, parts.declaredSize(number), loop, () -> {
            progress();
            read();
        });
        current = part;
        if (single) {
            CompletableFuture<String> call = session.putObject(part, true);
            calls.put(number, call);
            call.whenComplete((etag, error) -> loop.execute(() -> {
                singleEtag = etag;
                answered(number, null, error);
            }));
            return;
        }
        whenCreated(number, () -> {
            if (part.cancelled()) {
                answered(number, null, new CancellationException());
            } else {
                send(number, part, true);
            }
        });
    }

    /**
     * Sends a part of unknown length from its buffer, which comes back to the upload once S3 has answered. Its call
     * starts at once, but its bytes flow only once the part before it has been answered: sent side by side, two parts
     * finish together and leave S3 idle while both buffers fill again; one after the other without the head start,
     * S3 idles while each call is set up (docs/decisions/0018-unknown-length-parts-from-memory.md).
     */
    private void sendCopy(int number, ByteBuffer bytes) {
        buffers.sending(number, bytes);
        CompletableFuture<Void> go = previousAnswered;
        previousAnswered = new CompletableFuture<>();
        answers.put(number, previousAnswered);
        whenCreated(number, () -> send(number, new CopiedPart(bytes, go, () -> loop.execute(this::progress)), false));
    }

    /**
     * Creates the multipart upload while the first part fills, once half of it is in, so that its round trip does
     * not hold up the part's call; a body under half a part still goes as one PutObject.
     */
    private void createEarly() {
        if (created != null || single || parts.part() != 1 || parts.sizeKnown(1)
                || parts.inPart() < settings.partSize() / 2) {
            return;
        }
        created = session.create();
        // Counted as a call until answered, so that a failure aborts the upload only once it exists.
        calls.put(CREATE, new CompletableFuture<>());
        created.whenComplete((id, error) -> loop.execute(() -> answered(CREATE, null, error)));
    }

    /** Runs {@code send} once the multipart upload exists; the part counts as a call until then. */
    private void whenCreated(int number, Runnable send) {
        calls.put(number, new CompletableFuture<>());
        if (created == null) {
            created = session.create();
        }
        created.whenComplete((id, error) -> loop.execute(() -> {
            if (error != null || failure != null) {
                answered(number, null, error != null ? error : new CancellationException());
            } else {
                send.run();
            }
        }));
    }

    private void send(int number, AsyncRequestBody body, boolean streamed) {
        CompletableFuture<CompletedPart> call = session.uploadPart(number, body, streamed);
        calls.put(number, call);
        call.whenComplete((part, error) -> loop.execute(() -> answered(number, part, error)));
    }

    private void answered(int number, CompletedPart part, Throwable error) {
        calls.remove(number);
        CompletableFuture<Void> answer = answers.remove(number);
        if (answer != null) {
            answer.complete(null);
        }
        progress();
        if (failure != null) {
            cleanUp();
            return;
        }
        if (error != null) {
            fail(error);
            return;
        }
        if (part != null) {
            done.add(part);
        }
        ByteBuffer freed = buffers.sent(number);
        if (freed != null) {
            reuse(freed);
        }
        read();
        maybeFinish();
    }

    /** A part's buffer is free again: the client's next bytes go into it if they wait for one, else it goes back. */
    private void reuse(ByteBuffer buffer) {
        if (!parts.hasCopy() && !bodyIn) {
            buffer.clear();
            parts.copyInto(buffer);
            takePending();
        } else {
            buffers.giveBack(buffer);
        }
    }

    private void maybeFinish() {
        if (failure != null || finishing || !bodyIn || waitingForBuffer) {
            return;
        }
        if (last != null) {
            if (created != null) {
                ByteBuffer bytes = last;
                last = null;
                sendCopy(lastNumber, bytes);
                return;
            }
            if (!mayCommit) {
                return;
            }
            // The whole body fit in the first part: one PutObject, no multipart upload.
            finishing = true;
            finish(session.putObject(last));
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
            releaseBuffers();
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
                LOG.errorf("Could not abort the multipart upload of %s; a lifecycle rule must remove it: %s",
                        target.location(), abortError.toString());
            }
            releaseBuffers();
            result.completeExceptionally(failure);
        }));
    }

    /** Called once no call can read a buffer any more: a call's answer, or its cancellation before an abort. */
    private void releaseBuffers() {
        buffers.releaseAll();
        pending.clear();
    }

    // --- the idle bound ---

    private void progress() {
        idle.progress();
    }

    /** Nothing moved for the idle timeout: whose turn it was says whose fault it is. */
    private void idle() {
        boolean clientsTurn = ended ? !mayCommit : outstanding > 0;
        fail(clientsTurn ? UploadFailure.idle(settings.idleTimeout())
                : new S3Failure(S3Failure.Kind.TIMEOUT, "S3 took none of the upload's bytes for "
                        + settings.idleTimeout().toSeconds() + " s"));
    }

    private void stopWatching() {
        idle.stop();
    }
}
