package io.s3broker.config;

import java.time.Duration;

import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;

import org.hibernate.validator.constraints.time.DurationMax;
import org.hibernate.validator.constraints.time.DurationMin;

import io.smallrye.config.WithDefault;

/**
 * The warm-up before readiness: for {@link #duration()} after it listens, the broker sends itself
 * {@code GET /item?check=false} over loopback, through its whole public HTTP stack, while readiness answers DOWN; so
 * that a load balancer sends traffic only to a replica whose hot path the JIT has compiled
 * (docs/decisions/0037-warm-up-before-readiness.md).
 */
public interface WarmUpConfig {
    /** How long the warm-up runs; 0 (the default) turns it off: readiness does not wait for it. */
    @WithDefault("0S")
    @DurationMin(seconds = 0, message = "must not be negative")
    @DurationMax(minutes = 5, message = "must be at most 5 minutes (readiness waits for it)")
    Duration duration();

    /** Connections the warm-up keeps busy at once, each sending its next request when the last is answered. */
    @WithDefault("16")
    @Min(value = 1, message = "must be at least 1")
    @Max(value = 256, message = "must be at most 256")
    int connections();
}
