package io.s3broker.credentials;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

import org.junit.jupiter.api.Test;

/**
 * The expiry the metric reports is that of the scopes in use: an idle scope's credentials run out unrefreshed
 * (refresh-ahead runs on requests) and must not drag it below zero, while a scope in use whose set runs out must.
 */
class SoonestExpiryTest {

    static final Duration LIFETIME = Duration.ofHours(1);

    final MutableClock clock = new MutableClock(Instant.parse("2026-11-25T12:00:00Z"));
    final FakeSource idleSts = new FakeSource(clock, LIFETIME);
    final FakeSource busySts = new FakeSource(clock, LIFETIME);
    final CredentialsCache idle = cache(idleSts);
    final CredentialsCache busy = cache(busySts);

    @Test
    void idleScopesWhoseCredentialsRanOutAreLeftOut() {
        idle.get();
        idleSts.succeed("IDLE");
        busy.get();
        busySts.succeed("BUSY-1");
        // The busy scope is asked for every 4 minutes; past its prefetch time a request refreshes it.
        for (int minute = 4; minute <= 72; minute += 4) {
            clock.advance(Duration.ofMinutes(4));
            busy.get();
            if (busySts.calls() == 2 && !busySts.fetches.get(1).isDone()) {
                busySts.succeed("BUSY-2");
            }
        }
        assertEquals(2, busySts.calls(), "the busy scope was refreshed once");
        assertTrue(idle.peek().orElseThrow().remaining(clock.instant()).isNegative(), "the idle set ran out");

        Duration busyLeft = busy.peek().orElseThrow().remaining(clock.instant());
        assertTrue(busyLeft.compareTo(Duration.ofMinutes(30)) > 0, "busy set: " + busyLeft);
        assertEquals(Optional.of(busyLeft), soonest());
    }

    @Test
    void aScopeInUseWhoseCredentialsRanOutIsReportedBelowZero() {
        busy.get();
        busySts.succeed("BUSY-1");
        clock.advance(LIFETIME.minus(Duration.ofMinutes(2)));
        busy.get();
        busySts.fail("STS is down");
        clock.advance(Duration.ofMinutes(3));
        busy.get();

        assertEquals(Optional.of(Duration.ofMinutes(-1)), soonest());
    }

    @Test
    void nothingWhileNoScopeIsInUse() {
        idle.get();
        idleSts.succeed("IDLE");
        clock.advance(CredentialsCache.IN_USE.plusSeconds(1));

        assertEquals(Optional.empty(), soonest());
    }

    private Optional<Duration> soonest() {
        return ScopedCredentials.soonestExpiryInUse(List.of(idle, busy), clock.instant());
    }

    private CredentialsCache cache(FakeSource source) {
        return new CredentialsCache(source, clock, LIFETIME, Duration.ofMinutes(5),
                new Backoff(Duration.ofSeconds(2), Duration.ofSeconds(60)), () -> 0.0, CredentialsCacheListener.NONE);
    }
}
