package io.s3broker.upload;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Comparator;
import java.util.PriorityQueue;

/**
 * An upload's loop driven by hand, on the test's thread: tasks queue until {@link #run}, and time stands still until
 * {@link #advance} moves it, firing the timers that fall due in order. What an upload does at a given time is then
 * certain, and "nothing happened yet" is a fact of the clock, not of a sleep.
 */
final class ManualLoop implements UploadLoop {

    private record Timer(long at, long order, Runnable task, boolean[] cancelled) {
    }

    private final ArrayDeque<Runnable> tasks = new ArrayDeque<>();
    private final PriorityQueue<Timer> timers = new PriorityQueue<>(
            Comparator.comparingLong(Timer::at).thenComparingLong(Timer::order));
    private long now = 1_000_000_000L;
    private long scheduled;

    @Override
    public void execute(Runnable task) {
        tasks.add(task);
    }

    @Override
    public Runnable schedule(long millis, Runnable task) {
        boolean[] cancelled = { false };
        timers.add(new Timer(now + millis * 1_000_000, scheduled++, task, cancelled));
        return () -> cancelled[0] = true;
    }

    @Override
    public long nanoTime() {
        return now;
    }

    /** Runs every queued task, and those they queue, until none is left; timers wait for the clock. */
    void run() {
        for (Runnable task = tasks.poll(); task != null; task = tasks.poll()) {
            task.run();
        }
    }

    /** Moves the clock on by {@code time}, firing each timer that falls due at its time, running tasks after each. */
    void advance(Duration time) {
        long end = now + time.toNanos();
        run();
        for (Timer timer = timers.peek(); timer != null && timer.at() <= end; timer = timers.peek()) {
            timers.poll();
            now = Math.max(now, timer.at());
            if (!timer.cancelled()[0]) {
                timer.task().run();
            }
            run();
        }
        now = end;
    }

    /** Timers still to fire. */
    long pendingTimers() {
        return timers.stream().filter(t -> !t.cancelled()[0]).count();
    }
}
