package io.s3broker.credentials;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.function.DoubleSupplier;
import java.util.function.Supplier;

/**
 * What one scope's AssumeRole tells every other scope: STS is one service, so an answer for any scope shows it is up
 * again. On a success every scope that is failing tries again at once (each still single-flight, spread by a little
 * jitter); a scope whose backoff has not run out stops failing its requests fast once STS answered after its own
 * failure. While STS fails, one scope, the canary (readiness' probe), checks it for all of them at a fixed pace, so
 * that recovery does not wait for the scopes' longer backoffs and the checks do not grow with the number of scopes;
 * while STS answers Throttling, the canary waits out its own backoff instead, as every scope does.
 * docs/decisions/0022-recovery-with-sts.md.
 */
public final class StsRecovery {

    /** Delays a task (a timer in production, the test's clock in unit tests). */
    @FunctionalInterface
    public interface Timer {
        void schedule(Duration delay, Runnable task);
    }

    /** The least spread of the wake-ups; each woken scope adds {@link #SPREAD_PER_SCOPE}, up to {@link #MAX_SPREAD}. */
    static final Duration MIN_SPREAD = Duration.ofMillis(100);
    static final Duration SPREAD_PER_SCOPE = Duration.ofMillis(1);
    static final Duration MAX_SPREAD = Duration.ofSeconds(10);

    private final Clock clock;
    private final Timer timer;
    private final DoubleSupplier random;
    private final Supplier<? extends Collection<CredentialsCache>> caches;
    /** How often the canary may call STS to learn whether it is back. */
    private final Duration canaryPace;
    private volatile CredentialsCache canary;
    private volatile Instant lastSuccess = Instant.MIN;
    private volatile Instant lastFailure = Instant.MIN;

    /**
     * @param caches every scope's cache, the canary's included
     * @param canaryPace the least time between two of the canary's checks of STS
     */
    public StsRecovery(Clock clock, Timer timer, DoubleSupplier random, Supplier<? extends Collection<CredentialsCache>> caches,
            Duration canaryPace) {
        this.clock = Objects.requireNonNull(clock, "clock");
        this.timer = Objects.requireNonNull(timer, "timer");
        this.random = Objects.requireNonNull(random, "random");
        this.caches = Objects.requireNonNull(caches, "caches");
        this.canaryPace = Objects.requireNonNull(canaryPace, "canaryPace");
    }

    /** For a cache on its own: it remembers what STS said, and has nobody to wake nor a canary. */
    static StsRecovery alone(Clock clock) {
        return new StsRecovery(clock, (delay, task) -> task.run(), () -> 0.0, List::of, Duration.ZERO);
    }

    /** The cache whose {@link CredentialsCache#answersNow(Duration)} checks STS while it fails. */
    public void canary(CredentialsCache cache) {
        this.canary = cache;
    }

    /** Whether STS answered an AssumeRole after {@code failedAt}. */
    boolean answeredSince(Instant failedAt) {
        return lastSuccess.isAfter(failedAt);
    }

    /** Whether the last AssumeRole that ended, of any scope, succeeded. */
    public boolean lastAnswered() {
        Instant success = lastSuccess;
        return success != Instant.MIN && !lastFailure.isAfter(success);
    }

    void failed(Instant at) {
        if (at.isAfter(lastFailure)) {
            lastFailure = at;
        }
    }

    /** {@code from} got credentials: every other failing scope tries again, spread over a fraction of a second. */
    void succeeded(CredentialsCache from, Instant at) {
        if (at.isAfter(lastSuccess)) {
            lastSuccess = at;
        }
        List<CredentialsCache> failing = caches.get().stream()
                .filter(cache -> cache != from && cache.failing() && cache.markWakePending()).toList();
        long spread = Math.min(MAX_SPREAD.toMillis(),
                MIN_SPREAD.toMillis() + SPREAD_PER_SCOPE.toMillis() * failing.size());
        for (CredentialsCache cache : failing) {
            timer.schedule(Duration.ofMillis((long) (spread * random.getAsDouble())), cache::wake);
        }
    }

    /**
     * A request found its scope failing while STS was not known to be back: the canary checks STS, at its pace,
     * and its success wakes the scope. Never waits.
     */
    void stsMayBeBack() {
        CredentialsCache check = canary;
        if (check != null) {
            check.answersNow(canaryPace);
        }
    }

    /** Whether STS answers now, by the canary's check (at its pace: within it, the last check's outcome). */
    public CompletableFuture<Boolean> checkSts() {
        CredentialsCache check = canary;
        return check == null ? CompletableFuture.completedFuture(lastAnswered()) : check.answersNow(canaryPace);
    }

    Instant now() {
        return clock.instant();
    }
}
