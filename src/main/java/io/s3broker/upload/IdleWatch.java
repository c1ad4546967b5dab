package io.s3broker.upload;

import java.time.Duration;
import java.util.function.BooleanSupplier;

/**
 * The idle bound of one upload: when nothing has moved for the timeout (and the upload is not {@code exempt}, as while
 * it waits for a buffer or for a call with a timeout of its own), {@code expired} runs. One timer per upload,
 * re-armed only when it fires, so that progress costs a clock read. On the upload's loop only.
 */
final class IdleWatch {

    private final UploadCoordinator.Loop loop;
    private final long limit;
    private final BooleanSupplier exempt;
    private final Runnable expired;
    private long last;
    private Runnable timer;
    private boolean stopped;

    IdleWatch(UploadCoordinator.Loop loop, Duration timeout, BooleanSupplier exempt, Runnable expired) {
        this.loop = loop;
        this.limit = timeout.toNanos();
        this.exempt = exempt;
        this.expired = expired;
        this.last = System.nanoTime();
    }

    void start() {
        progress();
        arm(limit);
    }

    void progress() {
        last = System.nanoTime();
    }

    void stop() {
        stopped = true;
        if (timer != null) {
            timer.run();
            timer = null;
        }
    }

    private void arm(long nanos) {
        timer = loop.schedule(Math.max(1, nanos / 1_000_000), this::check);
    }

    private void check() {
        timer = null;
        if (stopped) {
            return;
        }
        long idle = System.nanoTime() - last;
        if (idle < limit || exempt.getAsBoolean()) {
            arm(idle < limit ? limit - idle : limit);
            return;
        }
        stopped = true;
        expired.run();
    }
}
