package io.s3broker.credentials;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class CredentialsCacheTest {

    static final Duration LIFETIME = Duration.ofHours(1);
    static final Duration REFRESH_AHEAD = Duration.ofMinutes(5);

    final MutableClock clock = new MutableClock(Instant.parse("2026-11-25T12:00:00Z"));
    final FakeSource sts = new FakeSource(clock, LIFETIME);
    final List<String> events = new ArrayList<>();
    final CredentialsCacheListener listener = new CredentialsCacheListener() {
        @Override
        public void refreshed(CachedCredentials credentials, Duration took) {
            events.add("refreshed " + credentials.credentials().accessKeyId());
        }

        @Override
        public void refreshFailed(Throwable cause, int consecutiveFailures, Duration retryIn, boolean stillServing) {
            events.add("failed " + consecutiveFailures + " retryIn=" + retryIn.toSeconds() + "s serving=" + stillServing);
        }
    };
    // random 0: no jitter, and the backoff waits exactly half its cap, which keeps the numbers readable
    final CredentialsCache cache = new CredentialsCache(sts, clock, LIFETIME, REFRESH_AHEAD,
            new Backoff(Duration.ofSeconds(2), Duration.ofSeconds(60)), () -> 0.0, listener);
    ExecutorService pool;

    @AfterEach
    void stopPool() {
        if (pool != null) {
            pool.shutdownNow();
        }
    }

    @Test
    void firstCallFetchesAndLaterCallsAreServedFromTheCache() throws Exception {
        CompletableFuture<CachedCredentials> first = cache.get();
        assertFalse(first.isDone(), "the first caller waits for STS");
        sts.succeed("A");
        assertEquals("A", first.get().credentials().accessKeyId());
        assertEquals(clock.instant().plus(LIFETIME), first.get().expiresAt());

        clock.advance(Duration.ofMinutes(30));
        CompletableFuture<CachedCredentials> later = cache.get();
        assertTrue(later.isDone(), "valid cached credentials are handed out without waiting");
        assertEquals("A", later.get().credentials().accessKeyId());
        assertEquals(1, sts.calls());
    }

    @Test
    void manyConcurrentCallersShareOneFetch() throws Exception {
        pool = Executors.newFixedThreadPool(16);
        int callers = 256;
        CountDownLatch start = new CountDownLatch(1);
        List<java.util.concurrent.Future<CompletableFuture<CachedCredentials>>> calls = new ArrayList<>();
        for (int i = 0; i < callers; i++) {
            calls.add(pool.submit(() -> {
                start.await();
                return cache.get();
            }));
        }
        start.countDown();
        List<CompletableFuture<CachedCredentials>> results = new ArrayList<>();
        for (var call : calls) {
            results.add(call.get(10, TimeUnit.SECONDS));
        }
        assertEquals(1, sts.calls(), "exactly one AssumeRole in flight for all callers");
        assertTrue(results.stream().noneMatch(CompletableFuture::isDone));

        sts.succeed("A");
        for (CompletableFuture<CachedCredentials> result : results) {
            assertEquals("A", result.get(1, TimeUnit.SECONDS).credentials().accessKeyId());
        }
        assertEquals(1, sts.calls());
    }

    @Test
    void refreshesAheadOfExpiryInTheBackgroundWithoutMakingCallersWait() throws Exception {
        cache.get();
        sts.succeed("A");

        clock.advance(LIFETIME.minus(REFRESH_AHEAD).minusSeconds(1));
        assertEquals("A", cache.get().get().credentials().accessKeyId());
        assertEquals(1, sts.calls(), "no refresh before the prefetch time");

        clock.advance(Duration.ofSeconds(2));
        CompletableFuture<CachedCredentials> during = cache.get();
        assertTrue(during.isDone(), "the caller is not held up by the refresh");
        assertEquals("A", during.get().credentials().accessKeyId());
        assertEquals(2, sts.calls(), "the refresh started in the background");

        cache.get();
        assertEquals(2, sts.calls(), "still one refresh in flight");

        sts.succeed("B");
        assertEquals("B", cache.get().get().credentials().accessKeyId());
        assertEquals(List.of("refreshed A", "refreshed B"), events);
    }

    @Test
    void keepsServingValidCredentialsWhenARefreshFailsAndRetriesWithBackoff() throws Exception {
        cache.get();
        sts.succeed("A");
        clock.advance(LIFETIME.minus(REFRESH_AHEAD));

        cache.get();
        sts.fail("STS is down");
        assertEquals(List.of("refreshed A", "failed 1 retryIn=1s serving=true"), events);

        CompletableFuture<CachedCredentials> meanwhile = cache.get();
        assertTrue(meanwhile.isDone());
        assertEquals("A", meanwhile.get().credentials().accessKeyId(), "stale-but-valid credentials are still served");
        assertEquals(2, sts.calls(), "no new attempt before the backoff has passed");

        clock.advance(Duration.ofSeconds(1));
        cache.get();
        assertEquals(3, sts.calls(), "retried once the backoff passed");
        sts.fail("still down");
        assertEquals("failed 2 retryIn=2s serving=true", events.get(events.size() - 1), "the backoff doubles");

        clock.advance(Duration.ofSeconds(2));
        cache.get();
        sts.succeed("B");
        assertEquals("B", cache.get().get().credentials().accessKeyId());
    }

    @Test
    void failsWithCredentialsUnavailableOnlyWhenNoValidCredentialsRemain() throws Exception {
        cache.get();
        sts.succeed("A");
        clock.advance(LIFETIME.minus(CredentialsCache.STALE_MARGIN));

        CompletableFuture<CachedCredentials> waiting = cache.get();
        assertFalse(waiting.isDone(), "credentials within the stale margin are not handed out");
        sts.fail("STS is down");
        ExecutionException failure = assertThrows(ExecutionException.class, waiting::get);
        assertInstanceOf(CredentialsUnavailableException.class, failure.getCause());
        assertEquals("failed 1 retryIn=1s serving=false", events.get(events.size() - 1));

        CompletableFuture<CachedCredentials> duringBackoff = cache.get();
        assertTrue(duringBackoff.isCompletedExceptionally(), "callers fail fast while the backoff runs");
        assertEquals(2, sts.calls(), "and STS is not hammered");

        clock.advance(Duration.ofSeconds(1));
        CompletableFuture<CachedCredentials> afterBackoff = cache.get();
        assertEquals(3, sts.calls());
        sts.succeed("B");
        assertEquals("B", afterBackoff.get().credentials().accessKeyId());
    }

    @Test
    void fetchesNewCredentialsWhenACallerNeedsThemValidForLongerThanTheCachedOnes() throws Exception {
        cache.get();
        sts.succeed("A");
        clock.advance(Duration.ofMinutes(30));

        CompletableFuture<CachedCredentials> shortSpan = cache.get(Duration.ofMinutes(20));
        assertTrue(shortSpan.isDone(), "30 minutes left cover 20");

        CompletableFuture<CachedCredentials> longSpan = cache.get(Duration.ofMinutes(40));
        assertFalse(longSpan.isDone(), "30 minutes left do not cover 40");
        assertEquals(2, sts.calls());
        sts.succeed("B");
        assertEquals("B", longSpan.get().credentials().accessKeyId());
    }

    @Test
    void fallsBackToShorterLivedCredentialsWhenTheLongerSpanCannotBeHad() throws Exception {
        cache.get();
        sts.succeed("A");
        clock.advance(Duration.ofMinutes(30));

        CompletableFuture<CachedCredentials> longSpan = cache.get(Duration.ofMinutes(40));
        sts.fail("STS is down");
        assertEquals("A", longSpan.get().credentials().accessKeyId(),
                "still-valid credentials beat an error; the caller shortens what it signs");
    }

    @Test
    void doesNotRefetchForASpanThatNoFreshSetCouldCoverEither() throws Exception {
        cache.get();
        sts.succeed("A");
        clock.advance(Duration.ofSeconds(5));

        CompletableFuture<CachedCredentials> wholeSession = cache.get(LIFETIME);
        assertTrue(wholeSession.isDone(), "a fresh set would not live meaningfully longer");
        assertSame(wholeSession.get(), cache.get().get());
        assertEquals(1, sts.calls());
    }

    @Test
    void treatsCredentialsWithoutUsableLifetimeAsAFailure() throws Exception {
        FakeSource shortLived = new FakeSource(clock, Duration.ofSeconds(30));
        CredentialsCache strict = new CredentialsCache(shortLived, clock, LIFETIME, REFRESH_AHEAD,
                new Backoff(Duration.ofSeconds(2), Duration.ofSeconds(60)), () -> 0.0, listener);
        CompletableFuture<CachedCredentials> result = strict.get();
        shortLived.succeed("A");
        ExecutionException failure = assertThrows(ExecutionException.class, result::get);
        assertInstanceOf(CredentialsUnavailableException.class, failure.getCause());
    }

    @Test
    void prefetchTimeHasJitterAndIsNeverInThePast() throws Exception {
        CredentialsCache jittered = new CredentialsCache(sts, clock, LIFETIME, Duration.ofMinutes(10),
                new Backoff(Duration.ofSeconds(2), Duration.ofSeconds(60)), () -> 0.5, listener);
        CompletableFuture<CachedCredentials> result = jittered.get();
        sts.succeed("A");
        Instant expiresAt = result.get().expiresAt();
        assertEquals(expiresAt.minus(Duration.ofMinutes(10)).minus(Duration.ofSeconds(30)), result.get().prefetchAt(),
                "10 minutes ahead, minus half of the 10% jitter range");

        CredentialsCache huge = new CredentialsCache(sts, clock, LIFETIME, Duration.ofHours(5),
                new Backoff(Duration.ofSeconds(2), Duration.ofSeconds(60)), () -> 0.0, listener);
        CompletableFuture<CachedCredentials> capped = huge.get();
        sts.succeed("B");
        assertEquals(clock.instant().plus(Duration.ofMinutes(15)), capped.get().prefetchAt(),
                "a refresh-ahead longer than the lifetime still uses the set for a quarter of its life");
    }
}
