package io.s3broker.startup;

import java.time.Duration;
import java.util.Map;
import java.util.function.BooleanSupplier;

import io.quarkus.test.junit.QuarkusTestProfile;
import io.s3broker.testing.LocalS3Sts;

/** Test profiles of the warm-up on the local RGW (LocalS3StsResource's settings, with these on top). */
final class WarmUpProfiles {

    private WarmUpProfiles() {
    }

    /**
     * Runs until the test ends it, so that the test sees it running; under a rate limit that the warm-up's hundreds of
     * requests a second would exceed, were they a caller's.
     */
    public static class Running implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("broker.warm-up.duration", "5M", "broker.warm-up.connections", "4",
                    "broker.rate-limit.per-second", "5");
        }
    }

    /** Ends by itself, soon. */
    public static class Short implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("broker.warm-up.duration", "3S", "broker.warm-up.connections", "2");
        }
    }

    /** On, but the read list has only a templated entry: nothing to warm up with. */
    public static class NoReadEntry implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("broker.warm-up.duration", "5M", "broker.access.read", LocalS3Sts.bucket() + "/users/{caller}/");
        }
    }

    /** Polls {@code condition} until it holds; fails after {@code within}. */
    static void until(String what, Duration within, BooleanSupplier condition) {
        long deadline = System.nanoTime() + within.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not within " + within + ": " + what);
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
    }
}
