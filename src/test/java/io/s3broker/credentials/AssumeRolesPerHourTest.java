package io.s3broker.credentials;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;

import org.junit.jupiter.api.Test;

/**
 * What one active scope costs at STS per hour, with the defaults (1 h sessions, refresh-ahead of the default URL
 * lifetime 2400 s plus a minute; vended sessions of 15 min handed out while they have half their life left), for a
 * caller that makes a request every minute, on a fake clock: the figures the README's STS budget is built from.
 */
class AssumeRolesPerHourTest {

    static final Duration REFRESH_AHEAD = Duration.ofSeconds(2400).plus(CredentialsCache.STALE_MARGIN);
    static final int HOURS = 24;

    /** AssumeRole calls per hour of a scope asked every {@code every} for credentials valid {@code validFor}. */
    static double perHour(Duration session, Duration validFor, Duration every) {
        MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
        FakeSource sts = new FakeSource(clock, session);
        CredentialsCache cache = new CredentialsCache(sts, clock, session, REFRESH_AHEAD,
                new Backoff(Duration.ofSeconds(1), Duration.ofMinutes(1)), () -> 0.5, new CredentialsCacheListener() {
                    @Override
                    public void refreshed(CachedCredentials credentials, Duration took) {
                    }

                    @Override
                    public void refreshFailed(Throwable cause, int failures, Duration retryIn, boolean serving) {
                    }
                });
        Instant end = clock.instant().plus(Duration.ofHours(HOURS));
        while (clock.instant().isBefore(end)) {
            int before = sts.calls();
            cache.get(validFor);
            if (sts.calls() > before) {
                sts.succeed("key-" + sts.calls());
            }
            clock.advance(every);
        }
        return sts.calls() / (double) HOURS;
    }

    @Test
    void aBrokerScopeCostsAboutThreeAssumeRolesAnHour() {
        double perHour = perHour(Duration.ofHours(1), Duration.ofSeconds(2400), Duration.ofMinutes(1));
        System.out.printf("broker scope, a request a minute: %.2f AssumeRole per hour%n", perHour);
        // One per session less refresh-ahead (60 - 41 min) and its jitter: about 3.5.
        assertTrue(perHour >= 3 && perHour <= 4, "AssumeRole per hour: " + perHour);
    }

    @Test
    void vendingCostsAboutFifteenAssumeRolesAnHour() {
        double perHour = perHour(Duration.ofMinutes(15), Duration.ofMinutes(15).dividedBy(2), Duration.ofMinutes(1));
        System.out.printf("vended scope, a request a minute: %.2f AssumeRole per hour%n", perHour);
        // Each 15-minute set is used for at least a quarter of its life, at most until half of it is left.
        assertTrue(perHour >= 8 && perHour <= 16, "AssumeRole per hour: " + perHour);
    }
}
