package io.s3broker.credentials;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

import jakarta.enterprise.inject.Instance;
import jakarta.enterprise.context.ApplicationScoped;

import org.jboss.logging.Logger;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;

import io.s3broker.config.BrokerConfig;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import software.amazon.awssdk.services.sts.StsAsyncClient;

/**
 * One credentials cache per scope, each with the single flight, refresh-ahead, serve-stale and backoff of
 * {@link CredentialsCache}. Scopes come from the allow-lists: a literal entry is one scope, a templated one a scope
 * per caller, and vending a scope per caller. The cache holds at most {@link #MAX_SCOPES} and evicts beyond; an
 * evicted scope assumes the role again when it is next used (docs/decisions/0020-templated-scopes.md).
 */
@ApplicationScoped
public class ScopedCredentials {

    private static final Logger LOG = Logger.getLogger(ScopedCredentials.class);
    static final int MAX_SCOPES = 10_000;

    private final StsAsyncClient sts;
    private final BrokerConfig config;
    private final SessionPolicy policies;
    private final List<CredentialsCacheListener> listeners;
    private final Clock clock = Clock.systemUTC();
    private final Cache<Scope, ScopeCredentials> byScope = Caffeine.newBuilder().maximumSize(MAX_SCOPES).build();
    private final StsRecovery recovery;
    private final ScopeCredentials probe;

    public ScopedCredentials(StsAsyncClient sts, BrokerConfig config, Instance<CredentialsCacheListener> listeners) {
        this.sts = sts;
        this.config = config;
        this.policies = new SessionPolicy(config.roleArn(), config.upload().acl());
        this.listeners = listeners.stream().toList();
        // The wake-ups start fetches, which begin on a worker thread anyway (StsCredentialsSource).
        this.recovery = new StsRecovery(clock, (delay, task) -> CompletableFuture.delayedExecutor(delay.toMillis(),
                TimeUnit.MILLISECONDS, Infrastructure.getDefaultWorkerPool()).execute(task),
                () -> ThreadLocalRandom.current().nextDouble(), () -> all().stream().map(ScopeCredentials::cache).toList(),
                config.sts().retryBackoff());
        // The probe is the canary that checks STS for every scope while it fails (StsRecovery).
        this.probe = create(Scope.probe(config.roleSessionDuration()));
        recovery.canary(probe.cache());
    }

    /** The credentials of {@code scope}, created on first use (no call is made until they are asked for). */
    public ScopeCredentials forScope(Scope scope) {
        return byScope.get(scope, this::create);
    }

    /** Credentials that allow nothing: whether they can be had says whether STS and the role work. */
    public ScopeCredentials probe() {
        return probe;
    }

    /** Every scope used so far, the probe included. */
    public Collection<ScopeCredentials> all() {
        List<ScopeCredentials> all = new java.util.ArrayList<>(byScope.asMap().values());
        all.add(probe);
        return all;
    }

    /** The scopes in use: those a request asked for within {@link CredentialsCache#IN_USE}; the probe left out. */
    public List<ScopeCredentials> inUse() {
        Instant since = clock.instant().minus(CredentialsCache.IN_USE);
        return byScope.asMap().values().stream().filter(scope -> scope.cache().askedSince(since)).toList();
    }

    /**
     * Time left on the soonest-expiring credentials of the scopes in use (asked for by a request within
     * {@link CredentialsCache#IN_USE}), negative once they have run out; empty while no scope is in use. Idle scopes
     * are left out: refresh-ahead runs on requests, so their sets run out unrefreshed and harmlessly (the next
     * request fetches a new one), and counting them would set off an expiry alert on a quiet broker.
     */
    public Optional<Duration> soonestExpiryInUse() {
        return soonestExpiryInUse(all().stream().map(ScopeCredentials::cache).toList(), clock.instant());
    }

    static Optional<Duration> soonestExpiryInUse(Collection<CredentialsCache> caches, Instant now) {
        Instant since = now.minus(CredentialsCache.IN_USE);
        return caches.stream()
                .filter(cache -> cache.askedSince(since))
                .flatMap(cache -> cache.peek().stream())
                .map(cached -> cached.remaining(now))
                .min(Duration::compareTo);
    }

    public String policy(Scope scope) {
        return policies.forScope(scope);
    }

    public Clock clock() {
        return clock;
    }

    /** What the scopes know about STS together. */
    public StsRecovery recovery() {
        return recovery;
    }

    private ScopeCredentials create(Scope scope) {
        Duration session = scope.sessionDuration();
        String sessionName = scope.sessionName(config.roleSessionName());
        StsCredentialsSource source = new StsCredentialsSource(sts, config.roleArn(), scope, sessionName, policies.forScope(scope),
                config.sts().timeout(), Infrastructure.getDefaultWorkerPool());
        CredentialsCache cache = new CredentialsCache(source, clock, session, refreshAhead(session),
                new Backoff(config.sts().retryBackoff(), config.sts().retryMaxBackoff()),
                () -> ThreadLocalRandom.current().nextDouble(), new Reporter(scope, sessionName, listeners), recovery);
        return new ScopeCredentials(scope, sessionName, cache, new CachedCredentialsProvider(cache));
    }

    /**
     * Refresh early enough that a presigned URL of the default lifetime never waits for STS. The cache uses every
     * set for at least a quarter of its life whatever this says, which matters for short vended sessions.
     */
    private Duration refreshAhead(Duration session) {
        return max(config.refreshAhead(), config.presign().defaultExpiry().plus(CredentialsCache.STALE_MARGIN));
    }

    private static Duration max(Duration a, Duration b) {
        return a.compareTo(b) >= 0 ? a : b;
    }

    /** Logs what a scope's cache reports (its access key id, never the secret or token) and passes it on. */
    private record Reporter(Scope scope, String sessionName, List<CredentialsCacheListener> listeners) implements CredentialsCacheListener {

        @Override
        public void refreshed(CachedCredentials credentials, Duration took) {
            LOG.infof("Assumed role for scope %s (session %s): access key %s valid until %s (took %d ms, next refresh"
                    + " from %s)", scope, sessionName, credentials.credentials().accessKeyId(),
                    credentials.expiresAt(), took.toMillis(), credentials.prefetchAt());
            listeners.forEach(listener -> listener.refreshed(credentials, took));
        }

        @Override
        public void refreshFailed(Throwable cause, int consecutiveFailures, Duration retryIn, boolean stillServing) {
            LOG.warnf("AssumeRole for scope %s failed (%d in a row), next attempt in %d ms, %s: %s", scope,
                    consecutiveFailures, retryIn.toMillis(),
                    stillServing ? "still serving the cached credentials" : "no valid credentials left", cause.toString());
            listeners.forEach(listener -> listener.refreshFailed(cause, consecutiveFailures, retryIn, stillServing));
        }
    }
}
