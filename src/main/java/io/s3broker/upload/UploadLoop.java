package io.s3broker.upload;

import java.util.concurrent.Executor;

import io.vertx.core.Context;

/**
 * The thread an upload's state lives on (its request's event loop), and the clock and timers of its bounds: every
 * event reaches an upload through {@link #execute}, so that it needs no locks, and tests can drive it by hand.
 */
interface UploadLoop extends Executor {

    /** Runs {@code task} on the loop after {@code millis}; returns what cancels it. */
    Runnable schedule(long millis, Runnable task);

    /** The loop's clock, as {@link System#nanoTime}. */
    long nanoTime();

    /** The request's event loop. */
    static UploadLoop of(Context context) {
        return new UploadLoop() {
            @Override
            public void execute(Runnable task) {
                context.runOnContext(ignored -> task.run());
            }

            @Override
            public Runnable schedule(long millis, Runnable task) {
                long id = context.owner().setTimer(millis, ignored -> context.runOnContext(v -> task.run()));
                return () -> context.owner().cancelTimer(id);
            }

            @Override
            public long nanoTime() {
                return System.nanoTime();
            }
        };
    }
}
