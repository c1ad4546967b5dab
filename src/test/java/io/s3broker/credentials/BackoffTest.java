package io.s3broker.credentials;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;

import org.junit.jupiter.api.Test;

class BackoffTest {

    final Backoff backoff = new Backoff(Duration.ofSeconds(1), Duration.ofSeconds(60));

    @Test
    void doublesPerFailureUpToTheCap() {
        // random = 1.0 is the (open) top of the jitter range: the whole delay
        assertEquals(Duration.ofSeconds(1), backoff.delay(1, 1.0));
        assertEquals(Duration.ofSeconds(2), backoff.delay(2, 1.0));
        assertEquals(Duration.ofSeconds(32), backoff.delay(6, 1.0));
        assertEquals(Duration.ofSeconds(60), backoff.delay(7, 1.0));
        assertEquals(Duration.ofSeconds(60), backoff.delay(1000, 1.0));
    }

    @Test
    void jitterKeepsAtLeastHalfTheDelay() {
        assertEquals(Duration.ofMillis(500), backoff.delay(1, 0.0));
        assertEquals(Duration.ofMillis(750), backoff.delay(1, 0.5));
        assertEquals(Duration.ofSeconds(30), backoff.delay(50, 0.0));
    }
}
