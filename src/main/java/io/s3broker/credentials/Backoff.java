package io.s3broker.credentials;

import java.time.Duration;

/**
 * Exponential backoff with "equal jitter": the n-th failure in a row waits between half and all of
 * {@code min(max, initial * 2^(n-1))}, so replicas that failed together do not retry together.
 */
public record Backoff(Duration initial, Duration max) {

    public Duration delay(int consecutiveFailures, double random) {
        int doublings = Math.min(Math.max(consecutiveFailures - 1, 0), 30);
        long capped = Math.min(max.toMillis(), initial.toMillis() << doublings);
        long half = capped / 2;
        return Duration.ofMillis(half + (long) (half * random));
    }
}
