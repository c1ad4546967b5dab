package io.s3broker.upload;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Flow;

import io.s3broker.s3.S3Failure;
import io.s3broker.s3.WriteTarget;
import io.vertx.core.buffer.Buffer;

/**
 * One upload on its request's event loop: the subscriber of the client's body, the {@link Phase} it is in, its time
 * bounds and its one result. A body goes one of two ways, each in a class of its own: one streamed PutObject
 * ({@link SinglePut}) or a multipart upload ({@link MultipartUpload}). Events (a chunk, the body's end, an answer
 * of S3, a timer) only record what happened and call {@link #advance}, the one place where the phase changes: to
 * CANCELLING on a failure, else as the engine's {@link #step} says. Every field is touched on the upload's loop only:
 * SDK callbacks come back through {@link UploadLoop#execute}, so there are no locks. Phases, and what they replace:
 * docs/decisions/0024-upload-phases.md.
 */
abstract class Upload implements Flow.Subscriber<Buffer>, IdleWatch.Expiry, RunningUploads.Running {

    /** Where an upload is. It only moves down this list, perhaps skipping some. */
    enum Phase {
        /** Not yet subscribed to the client's body. */
        NEW,
        /** Waiting for a part buffer (a body of unknown length), at most {@code broker.upload.buffer-wait}; nothing read. */
        WAITING_FOR_BUFFER,
        /** Reading the client's body and streaming it on, within the idle bound and the least rate. */
        READING,
        /** The whole body, valid (a form's too), was handed on; S3's answers are awaited. Shutdown lets it finish. */
        BODY_IN,
        /** The call that makes the object (CompleteMultipartUpload, a PutObject from memory) runs, within its timeout. */
        COMPLETING,
        /** Failed: the client's stream and every call were cancelled; their answers are awaited. */
        CANCELLING,
        /** Nothing is in flight; the multipart upload, if one was created, is being aborted. */
        ABORTING,
        /** The result is out. */
        DONE
    }

    /** Chunks asked of the client at a time: enough to keep it busy, few enough to overshoot a part by little. */
    static final int BATCH = 16;

    final WriteTarget target;
    final UploadSettings settings;
    final UploadLoop loop;
    final IdleWatch idle;
    private final CompletableFuture<UploadResult> result = new CompletableFuture<>();
    Phase phase = Phase.NEW;
    Flow.Subscription client;
    /** Chunks asked of the client and not yet had. */
    long outstanding;
    /** The client's stream has completed. */
    boolean ended;
    /** Why the upload fails: set once, then {@link #advance} cancels what runs. */
    Throwable failure;

    Upload(WriteTarget target, UploadSettings settings, UploadLoop loop) {
        this.target = target;
        this.settings = settings;
        this.loop = loop;
        this.idle = new IdleWatch(loop, settings.idleTimeout(), settings.leastBytesPerWindow(), this::clientsTurn, this);
    }

    @Override
    public CompletableFuture<UploadResult> result() {
        return result;
    }

    /**
     * Stops the upload from outside (shutdown): its calls are cancelled, its multipart upload aborted, and then its
     * result fails with {@code reason}. An upload whose body is all in is left to finish.
     */
    @Override
    public void abort(Throwable reason) {
        loop.execute(() -> {
            if (phase.compareTo(Phase.BODY_IN) < 0) {
                fail(reason);
            }
        });
    }

    /** Moves the upload on as far as what it recorded allows; run after every event. */
    final void advance() {
        Phase at;
        do {
            at = phase;
            if (failed()) {
                phase = Phase.CANCELLING;
                idle.stop();
                cancel();
            } else {
                step();
            }
        } while (phase != at || failed());
    }

    private boolean failed() {
        return failure != null && phase.compareTo(Phase.CANCELLING) < 0;
    }

    /** The engine's phases but CANCELLING: one switch, which acts in a phase and says when to leave it. */
    abstract void step();

    /** Entering CANCELLING: cancels the client's stream and every call in flight. */
    abstract void cancel();

    /** Records the first failure, unless the object is being made or the upload is over. */
    final void fail(Throwable error) {
        if (failure == null && phase.compareTo(Phase.COMPLETING) < 0) {
            failure = error;
            advance();
        }
    }

    /** Asks the client for chunks until {@code want} are outstanding. */
    final void ask(long want) {
        if (want > outstanding) {
            long more = want - outstanding;
            // Counted before asking: the stream may hand over chunks it holds already, within request().
            outstanding = want;
            client.request(more);
        }
    }

    /** Whether the upload waits for its client: it asked for chunks and has none to pass on. */
    boolean clientsTurn() {
        return phase == Phase.READING && outstanding > 0;
    }

    final void succeed(UploadResult stored) {
        result.complete(stored);
    }

    final void reportFailure() {
        result.completeExceptionally(failure);
    }

    // --- the client's body ---

    @Override
    public void onSubscribe(Flow.Subscription subscription) {
        if (phase != Phase.NEW) {
            subscription.cancel();
            return;
        }
        client = subscription;
        advance();
    }

    @Override
    public void onError(Throwable error) {
        // A form that turned out invalid says so itself; anything else is a body that broke off.
        fail(error instanceof UploadFailure ? error : new UploadFailure(UploadFailure.Kind.BROKEN_BODY,
                "The upload stream broke off: " + error.getMessage(), error));
    }

    @Override
    public void onComplete() {
        ended = true;
        outstanding = 0;
        idle.progress();
        advance();
    }

    // --- the time bounds ---

    /** Nothing moved for the idle timeout: whose turn it was says whose fault it is. */
    @Override
    public void idle() {
        fail(clientsTurn() ? UploadFailure.idle(settings.idleTimeout())
                : new S3Failure(S3Failure.Kind.TIMEOUT, "S3 took none of the upload's bytes for "
                        + settings.idleTimeout().toSeconds() + " s"));
    }

    @Override
    public void tooSlow(long bytes) {
        fail(UploadFailure.tooSlow(bytes, settings.idleTimeout(), settings.minRate()));
    }
}
