package io.s3broker.access;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;

import jakarta.inject.Singleton;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;

import io.github.bucket4j.Bandwidth;
import io.github.bucket4j.Bucket;
import io.github.bucket4j.ConsumptionProbe;
import io.s3broker.auth.Caller;
import io.s3broker.auth.WarmUpPass;
import io.s3broker.config.BrokerConfig;

/**
 * Per-caller limits: a token bucket of requests (Bucket4j's lock-free local bucket) and a count of uploads in
 * flight, so that one caller can neither flood the broker nor hold every part buffer.
 */
@Singleton
public class CallerLimits {

    /** Buckets of callers not seen for this long are dropped (a full bucket is what a new one starts as). */
    private static final Duration IDLE = Duration.ofMinutes(10);
    private static final int MAX_CALLERS = 100_000;

    private final Bandwidth bandwidth;
    private final int uploadsInFlight;
    private final Cache<String, Bucket> buckets = Caffeine.newBuilder().maximumSize(MAX_CALLERS)
            .expireAfterAccess(IDLE).build();
    private final Map<String, Integer> uploads = new ConcurrentHashMap<>();

    public CallerLimits(BrokerConfig config) {
        BrokerConfig.RateLimit limits = config.rateLimit();
        this.bandwidth = limits.perSecond().isPresent() ? bandwidth(limits.perSecond().getAsDouble(),
                limits.burst().orElse((int) Math.max(1, Math.ceil(limits.perSecond().getAsDouble())))) : null;
        this.uploadsInFlight = limits.uploadsInFlight().orElse(0);
    }

    private static Bandwidth bandwidth(double perSecond, int burst) {
        long nanosPerToken = (long) (1_000_000_000L / perSecond);
        return Bandwidth.builder().capacity(burst).refillGreedy(1, Duration.ofNanos(Math.max(1, nanosPerToken))).build();
    }

    /** Takes one request from the caller's bucket. @throws RateLimited when it is empty */
    public void request(Caller caller) {
        // The warm-up runs before the broker takes traffic and must reach the hot path, not the 429.
        if (bandwidth == null || caller == WarmUpPass.CALLER) {
            return;
        }
        Bucket bucket = buckets.get(caller.name(), ignored -> Bucket.builder().addLimit(bandwidth).build());
        ConsumptionProbe probe = bucket.tryConsumeAndReturnRemaining(1);
        if (!probe.isConsumed()) {
            Duration wait = Duration.ofNanos(probe.getNanosToWaitForRefill());
            throw new RateLimited("Too many requests from caller '" + caller.name() + "'", wait);
        }
    }

    /**
     * Counts one more upload of the caller; the returned handle must be closed when the upload ends, however it ends.
     *
     * @throws RateLimited when the caller already has {@code broker.rate-limit.uploads-in-flight} uploads running
     */
    public Runnable startUpload(Caller caller) {
        if (uploadsInFlight <= 0) {
            return () -> {
            };
        }
        String name = caller.name();
        boolean[] admitted = { false };
        uploads.compute(name, (ignored, running) -> {
            int now = running == null ? 0 : running;
            if (now >= uploadsInFlight) {
                return running;
            }
            admitted[0] = true;
            return now + 1;
        });
        if (!admitted[0]) {
            throw new RateLimited("Caller '" + name + "' already has " + uploadsInFlight + " uploads in flight",
                    Duration.ofSeconds(1));
        }
        AtomicBoolean closed = new AtomicBoolean();
        return () -> {
            if (closed.compareAndSet(false, true)) {
                uploads.computeIfPresent(name, (ignored, running) -> running <= 1 ? null : running - 1);
            }
        };
    }
}
