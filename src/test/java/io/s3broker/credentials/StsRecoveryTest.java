package io.s3broker.credentials;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import org.junit.jupiter.api.Test;

import io.s3broker.credentials.CredentialsCache.Availability;

/**
 * Scopes that share what STS answered: a success for one ends the others' backoff and wakes them, a request that
 * finds its scope failing asks the canary, at its pace, whether STS is back. Driven by a test clock and a timer
 * that runs what is due when the test moves the clock: nothing sleeps.
 */
class StsRecoveryTest {

    static final Duration LIFETIME = Duration.ofHours(1);
    static final Duration PACE = Duration.ofSeconds(1);

    final MutableClock clock = new MutableClock(Instant.parse("2026-11-25T12:00:00Z"));
    final FakeTimer timer = new FakeTimer(clock);
    final List<CredentialsCache> caches = new ArrayList<>();
    double nextRandom = 0.0;
    final StsRecovery recovery = new StsRecovery(clock, timer, () -> nextRandom, () -> caches, PACE);
    final FakeSource canarySts = new FakeSource(clock, LIFETIME);
    final CredentialsCache canary = cache(canarySts, new Backoff(PACE, Duration.ofMinutes(1)));

    StsRecoveryTest() {
        recovery.canary(canary);
    }

    /** A scope whose backoff starts at 2 s and doubles up to a minute; random 0 makes it wait half of that. */
    CredentialsCache scope(FakeSource sts) {
        return cache(sts, new Backoff(Duration.ofSeconds(2), Duration.ofMinutes(1)));
    }

    CredentialsCache cache(FakeSource sts, Backoff backoff) {
        CredentialsCache cache = new CredentialsCache(sts, clock, LIFETIME, Duration.ofMinutes(5), backoff, () -> 0.0,
                CredentialsCacheListener.NONE, recovery);
        caches.add(cache);
        return cache;
    }

    /** Fails the caches' fetches until their backoff reaches its one-minute cap (a 30 s wait with random 0). */
    void failUntilLongBackoff(CredentialsCache cache, FakeSource sts) {
        failUntilLongBackoff(List.of(cache), List.of(sts));
    }

    void failUntilLongBackoff(List<CredentialsCache> scopes, List<FakeSource> sources) {
        for (int i = 0; i < 7; i++) {
            if (i > 0) {
                clock.advance(Duration.ofSeconds(32));
            }
            for (int s = 0; s < scopes.size(); s++) {
                scopes.get(s).get();
                sources.get(s).fail("STS is down");
            }
        }
    }

    @Test
    void aSuccessForOneScopeWakesEveryFailingScopeOnceWithJitter() {
        FakeSource readSts = new FakeSource(clock, LIFETIME);
        FakeSource writeSts = new FakeSource(clock, LIFETIME);
        FakeSource otherSts = new FakeSource(clock, LIFETIME);
        CredentialsCache read = scope(readSts);
        CredentialsCache write = scope(writeSts);
        CredentialsCache other = scope(otherSts);
        failUntilLongBackoff(List.of(read, write), List.of(readSts, writeSts));
        assertEquals(Availability.BLOCKED, read.availability());
        int readCalls = readSts.calls();
        int writeCalls = writeSts.calls();

        clock.advance(Duration.ofSeconds(1));
        nextRandom = 0.5;
        other.get();
        otherSts.succeed("O");
        assertEquals(2, timer.pending(), "each failing scope is woken, the scope that succeeded and the idle canary not");
        assertTrue(timer.delays().stream().allMatch(d -> d.compareTo(StsRecovery.MIN_SPREAD) < 0 && !d.isNegative()),
                "within the spread: " + timer.delays());
        assertEquals(readCalls, readSts.calls(), "not before its jitter");

        // A second success before the wake-ups ran schedules no more of them.
        other.refreshInBackground();
        otherSts.succeed("O2");
        assertEquals(2, timer.pending());

        clock.advance(StsRecovery.MIN_SPREAD);
        timer.runDue();
        assertEquals(readCalls + 1, readSts.calls(), "the read scope tried again at once, not after its 30 s backoff");
        assertEquals(writeCalls + 1, writeSts.calls());
        readSts.succeed("R");
        writeSts.succeed("W");
        assertEquals(Availability.HELD, read.availability());
        assertEquals(Availability.HELD, write.availability());
    }

    @Test
    void wakeUpsOfManyScopesAreSpreadOverMoreTime() {
        List<FakeSource> sources = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            FakeSource sts = new FakeSource(clock, LIFETIME);
            sources.add(sts);
            scope(sts).get();
            sts.fail("STS is down");
        }
        FakeSource okSts = new FakeSource(clock, LIFETIME);
        CredentialsCache ok = scope(okSts);
        clock.advance(Duration.ofMillis(10));
        nextRandom = 0.999;
        ok.get();
        okSts.succeed("OK");
        Duration spread = StsRecovery.MIN_SPREAD.plus(StsRecovery.SPREAD_PER_SCOPE.multipliedBy(50));
        assertEquals(50, timer.pending());
        assertTrue(timer.delays().stream().allMatch(d -> d.compareTo(spread) < 0
                && d.compareTo(StsRecovery.MIN_SPREAD) >= 0), "the last of 50 goes near 150 ms: " + timer.delays());
    }

    @Test
    void aRequestDuringBackoffTriesAtOnceOnceStsAnsweredAnotherScope() throws Exception {
        FakeSource readSts = new FakeSource(clock, LIFETIME);
        CredentialsCache read = scope(readSts);
        failUntilLongBackoff(read, readSts);
        int calls = readSts.calls();
        clock.advance(Duration.ofSeconds(1));

        assertTrue(read.get().isCompletedExceptionally(), "fails fast while STS is not known to be back");
        assertEquals(calls, readSts.calls());

        // The failed request asked the canary; STS answers it.
        canary.check();
        canarySts.succeed("C");
        assertEquals(Availability.FETCHABLE, read.availability(), "no longer waiting out its backoff");
        CompletableFuture<CachedCredentials> first = read.get();
        CompletableFuture<CachedCredentials> second = read.get();
        assertFalse(first.isDone(), "the request waits for the try it triggered instead of failing");
        assertEquals(calls + 1, readSts.calls(), "one try for both requests");
        clock.advance(StsRecovery.MIN_SPREAD);
        timer.runDue();
        assertEquals(0, timer.pending());
        assertEquals(calls + 1, readSts.calls(), "the wake-up finds the try in flight and starts none");
        readSts.succeed("R");
        assertEquals("R", first.get().credentials().accessKeyId());
        assertSame(first.get(), second.get());
    }

    @Test
    void aRequestThatFindsItsScopeFailingAsksTheCanaryAtItsPace() {
        canary.check();
        canarySts.succeed("C");
        clock.advance(Duration.ofSeconds(5));
        FakeSource readSts = new FakeSource(clock, LIFETIME);
        CredentialsCache read = scope(readSts);
        failUntilLongBackoff(read, readSts);
        int canaryCalls = canarySts.calls();

        assertTrue(read.get().isCompletedExceptionally());
        assertEquals(canaryCalls + 1, canarySts.calls(), "the canary checks STS though its own credentials are valid");
        assertTrue(read.get().isCompletedExceptionally());
        assertEquals(canaryCalls + 1, canarySts.calls(), "one check in flight");
        canarySts.fail("still down");

        clock.advance(PACE.minusMillis(1));
        assertTrue(read.get().isCompletedExceptionally());
        assertEquals(canaryCalls + 1, canarySts.calls(), "not within its pace");
        assertEquals(Availability.HELD, canary.availability(), "the canary keeps serving what it has");

        clock.advance(Duration.ofMillis(1));
        read.get();
        assertEquals(canaryCalls + 2, canarySts.calls(), "again once its pace has passed");
        canarySts.succeed("C2");
        assertEquals(1, timer.pending(), "its success wakes the read scope");
        clock.advance(StsRecovery.MIN_SPREAD);
        timer.runDue();
        assertEquals(8, readSts.calls(), "seven failures, then the try the canary's success started");
    }

    @Test
    void aFailureOfACallThatStartedBeforeStsAnsweredDoesNotMakeTheScopeWait() {
        FakeSource readSts = new FakeSource(clock, LIFETIME);
        CredentialsCache read = scope(readSts);
        read.get();
        clock.advance(Duration.ofSeconds(9));
        canary.check();
        canarySts.succeed("C");
        clock.advance(Duration.ofSeconds(1));
        readSts.fail("timed out on a connection opened while STS was down");

        assertEquals(Availability.FETCHABLE, read.availability());
        read.get();
        assertEquals(2, readSts.calls(), "the next request tries again");
    }

    @Test
    void whileStsThrottlesEveryCallTheCallsFollowTheBackoffsNotTheRequests() {
        List<FakeSource> sources = List.of(new FakeSource(clock, LIFETIME), new FakeSource(clock, LIFETIME),
                new FakeSource(clock, LIFETIME));
        List<CredentialsCache> scopes = sources.stream().map(this::scope).toList();
        int requests = 0;
        // Ten requests per scope per second for two minutes; every AssumeRole is throttled.
        for (int tick = 0; tick < 1200; tick++) {
            for (int i = 0; i < scopes.size(); i++) {
                scopes.get(i).get();
                requests++;
                failInFlight(sources.get(i));
            }
            failInFlight(canarySts);
            clock.advance(Duration.ofMillis(100));
        }
        int scopeCalls = sources.stream().mapToInt(FakeSource::calls).sum();
        // Per scope: waits of 1, 2, 4, 8, 16 and then 30 s (random 0: half the cap) make 9 calls in two minutes.
        assertTrue(scopeCalls <= 3 * 9, scopeCalls + " calls of the scopes for " + requests + " requests");
        // The canary checks at its pace while STS is down, but Throttling makes it wait out its backoff as well.
        assertTrue(canarySts.calls() <= 10, canarySts.calls() + " checks by the canary");
        assertEquals(0, timer.pending(), "nothing succeeded, nothing woken");
    }

    @Test
    void whileStsIsUnreachableTheCanaryChecksAtItsPace() {
        FakeSource readSts = new FakeSource(clock, LIFETIME);
        CredentialsCache read = scope(readSts);
        for (int tick = 0; tick < 100; tick++) {
            read.get();
            readSts.fetches.stream().filter(f -> !f.isDone()).forEach(f -> f.completeExceptionally(new IllegalStateException("refused")));
            canarySts.fetches.stream().filter(f -> !f.isDone()).forEach(f -> f.completeExceptionally(new IllegalStateException("refused")));
            clock.advance(Duration.ofMillis(100));
        }
        // Ten seconds: one check a second, so that STS's return is noticed within a second.
        assertTrue(canarySts.calls() >= 9 && canarySts.calls() <= 11, canarySts.calls() + " checks in 10 s");
    }

    @Test
    void askedSinceCountsRequestsNotReadinessChecks() {
        FakeSource readSts = new FakeSource(clock, LIFETIME);
        CredentialsCache read = scope(readSts);
        Instant before = clock.instant();
        read.check();
        assertFalse(read.askedSince(before), "readiness' check is not a use");
        clock.advance(Duration.ofSeconds(2));
        read.get();
        assertTrue(read.askedSince(before));
        clock.advance(Duration.ofSeconds(2));
        assertFalse(read.askedSince(clock.instant()));
    }

    private static void failInFlight(FakeSource sts) {
        sts.fetches.stream().filter(f -> !f.isDone()).forEach(f -> f.completeExceptionally(new FakeSource.Throttled()));
    }

    /** A timer on the test's clock: what it was given runs when the test calls {@link #runDue()} after its time. */
    static final class FakeTimer implements StsRecovery.Timer {
        private final MutableClock clock;
        private final List<Object[]> tasks = new ArrayList<>();

        FakeTimer(MutableClock clock) {
            this.clock = clock;
        }

        @Override
        public synchronized void schedule(Duration delay, Runnable task) {
            tasks.add(new Object[] { clock.instant().plus(delay), task, delay });
        }

        synchronized int pending() {
            return tasks.size();
        }

        synchronized List<Duration> delays() {
            return tasks.stream().map(t -> (Duration) t[2]).toList();
        }

        void runDue() {
            List<Object[]> due;
            synchronized (this) {
                due = tasks.stream().filter(t -> !((Instant) t[0]).isAfter(clock.instant())).toList();
                tasks.removeAll(due);
            }
            due.forEach(t -> ((Runnable) t[1]).run());
        }
    }
}
