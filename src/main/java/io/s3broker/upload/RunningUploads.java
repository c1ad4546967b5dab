package io.s3broker.upload;

import java.time.Duration;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

import org.jboss.logging.Logger;

/**
 * The uploads running now, and their end at shutdown: readiness turns DOWN when shutdown starts, requests in flight
 * get the grace period ({@code quarkus.shutdown.timeout}, after {@code quarkus.shutdown.delay}), and uploads still
 * running shortly before it ends are cancelled, so that their 503 answers go out while the server still writes them.
 * Thread-safe.
 */
final class RunningUploads {

    /** What shutdown needs of an upload. */
    interface Running {
        /** Cancels the upload (unless its whole body is in); its result fails with {@code reason} once nothing is left. */
        void abort(Throwable reason);

        CompletableFuture<UploadResult> result();
    }

    /** Runs a task once, later; the cut-off's clock. */
    interface Timer {
        void schedule(long millis, Runnable task);
    }

    private static final Logger LOG = Logger.getLogger(RunningUploads.class);
    /** How long before the grace period ends uploads still running are cancelled, at most (a quarter of it if less). */
    static final Duration MARGIN = Duration.ofSeconds(5);

    private final Set<Running> active = ConcurrentHashMap.newKeySet();
    /** Set when the uploads still running are cancelled at shutdown; uploads that start later are refused. */
    private volatile boolean cancelling;

    /** Counts {@code upload} in until its result is out; cancels it at once if shutdown is cancelling uploads. */
    void add(Running upload) {
        active.add(upload);
        upload.result().whenComplete((done, error) -> active.remove(upload));
        if (cancelling) {
            // It started while the running uploads were being cancelled; abortAll may not have seen it in the set
            // (added after cancelling was set, read after the add: one sees the other).
            upload.abort(UploadFailure.shuttingDown());
        }
    }

    int size() {
        return active.size();
    }

    /** Shutdown starts: the uploads still running at the {@link #cutOff} are cancelled then. */
    void shutdownStarted(Duration delay, Duration grace, Timer timer) {
        timer.schedule(cutOff(delay, grace).toMillis(), this::abortAll);
    }

    /** When, after shutdown starts, running uploads are cancelled: a margin before the grace period ends. */
    static Duration cutOff(Duration delay, Duration grace) {
        Duration margin = grace.dividedBy(4).compareTo(MARGIN) < 0 ? grace.dividedBy(4) : MARGIN;
        Duration at = delay.plus(grace).minus(margin);
        return at.isNegative() ? Duration.ZERO : at;
    }

    /** Cancels every upload still running: calls cancelled, parts removed, clients answered 503. */
    CompletableFuture<Void> abortAll() {
        cancelling = true;
        if (active.isEmpty()) {
            return CompletableFuture.completedFuture(null);
        }
        LOG.warnf("Shutting down: aborting %d upload(s) still in progress", active.size());
        UploadFailure reason = UploadFailure.shuttingDown();
        return CompletableFuture.allOf(active.stream().peek(upload -> upload.abort(reason))
                .map(upload -> upload.result().handle((r, e) -> null)).toArray(CompletableFuture[]::new));
    }
}
