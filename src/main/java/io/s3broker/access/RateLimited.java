package io.s3broker.access;

import java.time.Duration;

/** The caller is over its request rate or its uploads in flight; the answer is 429 with Retry-After. */
public final class RateLimited extends RuntimeException {

    private final Duration retryAfter;

    public RateLimited(String message, Duration retryAfter) {
        super(message, null, false, false);
        this.retryAfter = retryAfter;
    }

    public Duration retryAfter() {
        return retryAfter;
    }
}
