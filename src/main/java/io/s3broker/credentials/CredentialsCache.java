package io.s3broker.credentials;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.DoubleSupplier;

import software.amazon.awssdk.auth.credentials.AwsSessionCredentials;

/**
 * Non-blocking, single-flight, refresh-ahead cache of one role's temporary credentials.
 * <p>
 * Written by hand because the SDK's {@code StsAssumeRoleCredentialsProvider} (a {@code CachedSupplier}) blocks
 * its callers while it refreshes, which must never happen on an event loop. The model is the SDK's: a value with
 * an expiry and a prefetch time, jitter on the prefetch, keep serving valid credentials when a refresh fails.
 * State lives in atomics: there are no locks, and at most one fetch is in flight however many callers arrive.
 * What STS answered for any scope is shared through {@link StsRecovery}: a success elsewhere ends this scope's backoff.
 */
public final class CredentialsCache {

    /** Credentials this close to expiry are never handed out: an S3 call or a signature needs a little time. */
    public static final Duration STALE_MARGIN = Duration.ofMinutes(1);

    /**
     * A caller that wants credentials valid for longer than the cached ones triggers a fetch only if a new set
     * would live at least this much longer; otherwise it gets the current set and shortens what it signs.
     */
    static final Duration COVERAGE_SLACK = Duration.ofMinutes(1);

    /**
     * A scope a request asked for within this is in use (readiness and the expiry metric judge those); long enough
     * to span the gaps of steady traffic between two readiness probes.
     */
    public static final Duration IN_USE = Duration.ofMinutes(5);

    /** Where new credentials come from (STS). */
    private final CredentialsSource source;
    /** The only source of time in the cache's decisions, so that tests can move it. */
    private final Clock clock;
    /** Lifetime STS grants a set of credentials (AssumeRole DurationSeconds). */
    private final Duration sessionDuration;
    /** How long before expiry a background refresh starts. */
    private final Duration refreshAhead;
    private final Backoff backoff;
    /** Uniform numbers in [0, 1) for jitter. */
    private final DoubleSupplier random;
    private final CredentialsCacheListener listener;
    private final StsRecovery recovery;

    /** The newest credentials fetched, or null before the first success. */
    private final AtomicReference<CachedCredentials> current = new AtomicReference<>();
    /** The one fetch in flight, or null. */
    private final AtomicReference<CompletableFuture<CachedCredentials>> inFlight = new AtomicReference<>();
    /** Failures in a row and when STS may be called again. */
    private volatile RetryState retry = RetryState.NONE;
    /** When a request last asked for these credentials (readiness judges the scopes in use), to the second. */
    private volatile long askedAtSecond = Long.MIN_VALUE;
    /** When the last fetch started, and how it ended: the canary's pace and answer. */
    private volatile Instant lastFetchStarted = Instant.MIN;
    private volatile boolean lastFetchSucceeded;
    /** Set while a wake-up of this cache is scheduled, so that more successes elsewhere do not schedule more. */
    private final AtomicBoolean wakePending = new AtomicBoolean();

    /** A cache on its own, that learns about STS from its own fetches only. */
    public CredentialsCache(CredentialsSource source, Clock clock, Duration sessionDuration, Duration refreshAhead,
            Backoff backoff, DoubleSupplier random, CredentialsCacheListener listener) {
        this(source, clock, sessionDuration, refreshAhead, backoff, random, listener, StsRecovery.alone(clock));
    }

    public CredentialsCache(CredentialsSource source, Clock clock, Duration sessionDuration, Duration refreshAhead,
            Backoff backoff, DoubleSupplier random, CredentialsCacheListener listener, StsRecovery recovery) {
        this.source = Objects.requireNonNull(source, "source");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.sessionDuration = Objects.requireNonNull(sessionDuration, "sessionDuration");
        this.refreshAhead = Objects.requireNonNull(refreshAhead, "refreshAhead");
        this.backoff = Objects.requireNonNull(backoff, "backoff");
        this.random = Objects.requireNonNull(random, "random");
        this.listener = Objects.requireNonNull(listener, "listener");
        this.recovery = Objects.requireNonNull(recovery, "recovery");
    }

    /** Credentials usable for an S3 call now. Completes immediately whenever valid credentials are cached. */
    public CompletableFuture<CachedCredentials> get() {
        return get(Duration.ZERO);
    }

    /**
     * Credentials that stay valid for {@code validFor} if they can be had. When a fresh set could not cover that
     * span either (it is close to the session duration) or STS is failing, the result may expire sooner: the
     * caller must shorten what it signs to {@link CachedCredentials#expiresAt()}.
     * Fails with {@link CredentialsUnavailableException} only when no valid credentials remain.
     */
    public CompletableFuture<CachedCredentials> get(Duration validFor) {
        Instant now = clock.instant();
        long second = now.getEpochSecond();
        if (askedAtSecond != second) {
            askedAtSecond = second;
        }
        return obtain(now, validFor);
    }

    /** As {@link #get()}, for readiness: not a use of the scope. */
    public CompletableFuture<CachedCredentials> check() {
        return obtain(clock.instant(), Duration.ZERO);
    }

    private CompletableFuture<CachedCredentials> obtain(Instant now, Duration validFor) {
        CachedCredentials cached = current.get();
        boolean usable = cached != null && cached.validFor(now, STALE_MARGIN);
        if (usable && (cached.validFor(now, validFor) || !freshSetCoversMore(cached, now))) {
            if (!now.isBefore(cached.prefetchAt())) {
                refreshInBackground(now);
            }
            return CompletableFuture.completedFuture(cached);
        }
        RetryState failures = retry;
        if (usable) {
            // The caller wants a longer span than the cached set gives; if STS fails, the shorter span will do.
            if (blocks(failures, now)) {
                return CompletableFuture.completedFuture(cached);
            }
            return refresh(now).handle((fresh, error) -> error == null ? fresh : cached);
        }
        if (blocks(failures, now)) {
            recovery.stsMayBeBack();
            return CompletableFuture.failedFuture(unavailable(failures.lastError()));
        }
        return refresh(now).copy();
    }

    /** What a request for these credentials would meet now. */
    public enum Availability {
        /** Valid credentials are cached: served at once. */
        HELD,
        /** None are, and the last fetch failed with STS not known to be back: requests fail fast. */
        BLOCKED,
        /** None are, and a request would fetch them (or join the fetch in flight). */
        FETCHABLE
    }

    public Availability availability() {
        Instant now = clock.instant();
        CachedCredentials cached = current.get();
        if (cached != null && cached.validFor(now, STALE_MARGIN)) {
            return Availability.HELD;
        }
        return blocks(retry, now) ? Availability.BLOCKED : Availability.FETCHABLE;
    }

    /** Whether a request asked for these credentials at {@code since} or later. */
    public boolean askedSince(Instant since) {
        return askedAtSecond >= since.getEpochSecond();
    }

    /** Whether the last fetch failed (valid credentials may still be served). */
    boolean failing() {
        return retry.consecutiveFailures() > 0;
    }

    /** STS answered another scope: if this one is failing, it tries again now, unless a fetch is in flight. */
    void wake() {
        wakePending.set(false);
        Instant now = clock.instant();
        if (failing() && inFlight.get() == null && !blocks(retry, now)) {
            refresh(now);
        }
    }

    /** For {@link StsRecovery}: one wake-up scheduled at a time. */
    boolean markWakePending() {
        return wakePending.compareAndSet(false, true);
    }

    /**
     * Whether STS answers now: joins the fetch in flight, or starts one even while valid credentials are cached,
     * unless the last one started within {@code pace}, or STS asked to slow down and the backoff has not passed
     * (then the last outcome). The canary's check; never fails.
     */
    CompletableFuture<Boolean> answersNow(Duration pace) {
        Instant now = clock.instant();
        CompletableFuture<CachedCredentials> running = inFlight.get();
        RetryState failures = retry;
        Instant earliest = failures.consecutiveFailures() > 0 && source.throttled(failures.lastError())
                ? failures.nextAttemptAt() : lastFetchStarted.plus(pace);
        if (running == null && now.isBefore(earliest)) {
            return CompletableFuture.completedFuture(lastFetchSucceeded);
        }
        return (running != null ? running : refresh(now)).handle((fresh, error) -> error == null);
    }

    /** A failure asks to wait, unless STS answered (for any scope) after it. */
    private boolean blocks(RetryState failures, Instant now) {
        return failures.blocks(now) && !recovery.answeredSince(failures.failedAt());
    }

    /** The cached credentials, valid or not, without starting anything (for metrics and health). */
    public Optional<CachedCredentials> peek() {
        return Optional.ofNullable(current.get());
    }

    /** Starts a refresh unless one is running or a failure asks to wait; never fails, never waits. */
    public void refreshInBackground() {
        refreshInBackground(clock.instant());
    }

    private void refreshInBackground(Instant now) {
        if (inFlight.get() == null && !blocks(retry, now)) {
            // Failures are recorded and reported by refresh itself; nobody waits on this one.
            refresh(now);
        }
    }

    private boolean freshSetCoversMore(CachedCredentials cached, Instant now) {
        return cached.expiresAt().isBefore(now.plus(sessionDuration).minus(COVERAGE_SLACK));
    }

    /** Joins the fetch in flight, or starts the one and only fetch. */
    private CompletableFuture<CachedCredentials> refresh(Instant now) {
        CompletableFuture<CachedCredentials> mine = new CompletableFuture<>();
        CompletableFuture<CachedCredentials> running = inFlight.compareAndExchange(null, mine);
        if (running != null) {
            return running;
        }
        lastFetchStarted = now;
        CompletionStage<AwsSessionCredentials> fetch;
        try {
            fetch = source.fetch();
        } catch (RuntimeException e) {
            fetch = CompletableFuture.failedFuture(e);
        }
        fetch.whenComplete((credentials, error) -> {
            Instant done = clock.instant();
            CachedCredentials fresh = null;
            Throwable failure = unwrap(error);
            if (failure == null) {
                try {
                    fresh = toCached(credentials, done);
                } catch (RuntimeException e) {
                    failure = e;
                }
            }
            if (fresh != null) {
                succeeded(mine, fresh, Duration.between(now, done));
            } else {
                failed(mine, failure, now, done);
            }
        });
        return mine;
    }

    private void succeeded(CompletableFuture<CachedCredentials> mine, CachedCredentials fresh, Duration took) {
        // Publish the credentials before clearing the in-flight marker, so no caller can start a second fetch
        // between the two and miss the new set.
        current.set(fresh);
        retry = RetryState.NONE;
        lastFetchSucceeded = true;
        inFlight.set(null);
        listener.refreshed(fresh, took);
        recovery.succeeded(this, clock.instant());
        mine.complete(fresh);
    }

    /**
     * The failure counts from when the fetch started: one that started before STS answered another scope (a call
     * that waited out a dead connection) does not make the scope wait once STS is back.
     */
    private void failed(CompletableFuture<CachedCredentials> mine, Throwable failure, Instant started, Instant now) {
        int failures = retry.consecutiveFailures() + 1;
        Duration wait = backoff.delay(failures, random.getAsDouble());
        retry = new RetryState(failures, started, now.plus(wait), failure);
        lastFetchSucceeded = false;
        recovery.failed(now);
        inFlight.set(null);
        CachedCredentials cached = current.get();
        listener.refreshFailed(failure, failures, wait, cached != null && cached.validFor(now, STALE_MARGIN));
        mine.completeExceptionally(unavailable(failure));
    }

    private CachedCredentials toCached(AwsSessionCredentials credentials, Instant now) {
        Instant expiresAt = credentials.expirationTime()
                .orElseThrow(() -> new IllegalStateException("STS returned credentials without an expiration time"));
        Duration lifetime = Duration.between(now, expiresAt);
        if (lifetime.compareTo(STALE_MARGIN) <= 0) {
            throw new IllegalStateException("STS returned credentials that expire at " + expiresAt
                    + ", too soon to be used (is the clock of this machine right?)");
        }
        // Use every set for at least a quarter of its life, however large refresh-ahead is.
        Duration lead = min(refreshAhead, lifetime.multipliedBy(3).dividedBy(4));
        // Jitter spreads the refreshes of many replicas that started together.
        Duration jitter = Duration.ofMillis((long) (lead.toMillis() * 0.1 * random.getAsDouble()));
        return new CachedCredentials(credentials, expiresAt, expiresAt.minus(lead).minus(jitter));
    }

    private static CredentialsUnavailableException unavailable(Throwable cause) {
        return new CredentialsUnavailableException("Temporary credentials for the role could not be obtained from STS", cause);
    }

    private static Throwable unwrap(Throwable error) {
        Throwable e = error;
        while (e instanceof java.util.concurrent.CompletionException && e.getCause() != null) {
            e = e.getCause();
        }
        return e;
    }

    private static Duration min(Duration a, Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
    }

    private record RetryState(int consecutiveFailures, Instant failedAt, Instant nextAttemptAt, Throwable lastError) {
        static final RetryState NONE = new RetryState(0, Instant.MIN, Instant.MIN, null);

        boolean blocks(Instant now) {
            return consecutiveFailures > 0 && now.isBefore(nextAttemptAt);
        }
    }
}
