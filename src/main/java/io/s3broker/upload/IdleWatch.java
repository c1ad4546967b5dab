package io.s3broker.upload;

import java.time.Duration;
import java.util.function.BooleanSupplier;

/**
 * The time bounds of one upload while it reads its body: nothing moved (a chunk from the client, demand from the
 * SDK, an answer from S3) for the idle timeout, or, while the upload waits for its client, fewer bytes arrived within
 * a window of that length than the least rate allows ({@code broker.upload.min-rate}). One timer per upload,
 * re-armed only when it fires, so that progress costs a clock read and an addition. On the upload's loop only.
 */
final class IdleWatch {

    /** What ends the upload. */
    interface Expiry {
        /** Nothing moved for the idle timeout. */
        void idle();

        /** The client sent fewer than the least bytes in a window while the upload waited for it. */
        void tooSlow(long bytes);
    }

    private final UploadLoop loop;
    private final long limit;
    private final long leastBytes;
    private final BooleanSupplier clientsTurn;
    private final Expiry expiry;
    private long last;
    private long windowStart;
    private long windowBytes;
    private Runnable timer;
    private boolean stopped;

    /**
     * @param leastBytes the fewest bytes the client must send in a window of {@code timeout}; 0 for no such bound
     * @param clientsTurn whether the upload waits for its client now, so that a slow window is the client's doing
     */
    IdleWatch(UploadLoop loop, Duration timeout, long leastBytes, BooleanSupplier clientsTurn, Expiry expiry) {
        this.loop = loop;
        this.limit = timeout.toNanos();
        this.leastBytes = leastBytes;
        this.clientsTurn = clientsTurn;
        this.expiry = expiry;
    }

    void start() {
        last = loop.nanoTime();
        windowStart = last;
        arm(limit);
    }

    /** The SDK asked for bytes or took some, or S3 answered. */
    void progress() {
        last = loop.nanoTime();
    }

    /** {@code bytes} of the body came from the client. */
    void received(int bytes) {
        last = loop.nanoTime();
        windowBytes += bytes;
    }

    void stop() {
        stopped = true;
        if (timer != null) {
            timer.run();
            timer = null;
        }
    }

    private void arm(long nanos) {
        timer = loop.schedule(Math.max(1, (nanos + 999_999) / 1_000_000), this::check);
    }

    private void check() {
        timer = null;
        if (stopped) {
            return;
        }
        long now = loop.nanoTime();
        if (now - last >= limit) {
            stopped = true;
            expiry.idle();
            return;
        }
        if (now - windowStart >= limit) {
            // A window in which S3 held the body back says nothing of the client: only its own turn counts.
            if (windowBytes < leastBytes && clientsTurn.getAsBoolean()) {
                stopped = true;
                expiry.tooSlow(windowBytes);
                return;
            }
            windowStart = now;
            windowBytes = 0;
        }
        arm(Math.min(last, windowStart) + limit - now);
    }
}
