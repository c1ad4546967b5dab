package io.s3broker.faults;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import io.s3broker.testing.FaultProxy;
import io.s3broker.testing.LocalS3Sts;
import io.s3broker.testing.Management;
import io.s3broker.testing.TestAuth;

/**
 * STS failing under a running broker, through a proxy that cuts it off or throttles it: the broker starts while STS
 * is down, STS comes back (a request succeeds within 2 s, five times over), STS goes away while credentials are
 * valid (requests are served, readiness stays UP), and STS answers Throttling (the AssumeRole calls follow the
 * backoffs, not the requests). Readiness and requests are sampled together throughout and must agree. The tests
 * run in order on one broker: each starts from where the one before left STS and the scopes.
 */
@QuarkusTest
@WithTestResource(FaultyUpstream.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class StsFaultsTest {

    static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    static final Duration RECOVERY = Duration.ofSeconds(2);
    /**
     * Long enough for a failing scope's own backoff (1 s, doubling, with jitter) to grow past the recovery bound:
     * without the recovery, a scope that failed three or four times waits 2 to 8 s more once STS is back.
     */
    static final Duration OUTAGE = Duration.ofSeconds(6);

    /** One look at the broker: readiness, a request of scope N, readiness again. */
    record Sample(long atMillis, int readyBefore, int request, int readyAfter) {

        /** A request's outcome matches what readiness said just before or just after it (a change may fall between). */
        boolean agrees() {
            boolean served = request == 200;
            return served == (readyBefore == 200) || served == (readyAfter == 200);
        }
    }

    static int ready() throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(Management.uri() + "/q/health/ready"))
                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    /** GET /item?check=false of a key in scope {@code n}: it needs that scope's credentials, and no S3 call. */
    static int item(int n) throws Exception {
        HttpResponse<String> answer = HTTP.send(HttpRequest.newBuilder(URI.create("http://localhost:" + RestAssured.port
                + "/item?check=false&bucket=" + LocalS3Sts.bucket() + "&key=fault-" + n + "/object"))
                .header("Authorization", TestAuth.BEARER).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
        if (answer.statusCode() != 200) {
            assertEquals(503, answer.statusCode(), answer.body());
            assertTrue(answer.body().contains("\"CredentialsUnavailable\""), answer.body());
        }
        return answer.statusCode();
    }

    static Sample sample(int n, long since) throws Exception {
        int before = ready();
        int request = item(n);
        int after = ready();
        return new Sample(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - since), before, request, after);
    }

    static void assertAgree(List<Sample> samples) {
        for (Sample sample : samples) {
            assertTrue(sample.agrees(), "readiness and requests disagree at " + sample + " in " + samples);
        }
    }

    /**
     * STS down for a while (requests of scope {@code n} fail), then back: the milliseconds until a request of scope
     * {@code n} succeeds; readiness agrees with the requests all along.
     */
    static long outageThenRecovery(int n) throws Exception {
        FaultProxy sts = FaultyUpstream.sts;
        sts.down();
        List<Sample> samples = new ArrayList<>();
        long start = System.nanoTime();
        while (System.nanoTime() - start < OUTAGE.toNanos()) {
            Sample sample = sample(n, start);
            assertEquals(503, sample.request(), "no credentials for scope " + n + " while STS is down: " + sample);
            samples.add(sample);
            Thread.sleep(50);
        }
        sts.up();
        long back = System.nanoTime();
        long recovered = -1;
        while (System.nanoTime() - back < TimeUnit.SECONDS.toNanos(15)) {
            Sample sample = sample(n, back);
            samples.add(sample);
            if (sample.request() == 200 && recovered < 0) {
                recovered = sample.atMillis();
            }
            if (recovered >= 0 && sample.atMillis() > recovered + 1000) {
                break;
            }
            Thread.sleep(50);
        }
        assertAgree(samples);
        assertTrue(recovered >= 0, "no request of scope " + n + " succeeded within 15 s of STS returning: " + samples);
        return recovered;
    }

    @Test
    @Order(1)
    void aRequestSucceedsWithinTwoSecondsOfStsReturningAndReadinessAgreesThroughout() throws Exception {
        // The broker started while STS was down (FaultyUpstream starts it so): no scope, not even the probe, has
        // credentials. Then four more outages, each met by a scope that has none yet while the others hold theirs.
        List<Long> recoveries = new ArrayList<>();
        for (int n = 0; n < 5; n++) {
            recoveries.add(outageThenRecovery(n));
        }
        List<Long> sorted = recoveries.stream().sorted().toList();
        System.out.println("[sts-faults] ms from STS returning to the first request served, five outages: " + recoveries
                + ", median " + sorted.get(2));
        assertTrue(recoveries.stream().allMatch(ms -> ms <= RECOVERY.toMillis()), "recoveries " + recoveries);
    }

    @Test
    @Order(2)
    void whileStsIsDownRequestsAreServedWithValidCredentialsAndReadinessStaysUp() throws Exception {
        FaultProxy sts = FaultyUpstream.sts;
        sts.up();
        for (int n = 0; n < 5; n++) {
            assertEquals(200, item(n), "scope " + n + " holds credentials");
        }
        sts.down();
        try {
            List<Sample> samples = new ArrayList<>();
            long start = System.nanoTime();
            for (int i = 0; System.nanoTime() - start < TimeUnit.SECONDS.toNanos(3); i++) {
                samples.add(sample(i % 5, start));
                Thread.sleep(50);
            }
            assertTrue(samples.stream().allMatch(s -> s.request() == 200 && s.readyBefore() == 200 && s.readyAfter() == 200),
                    "served from the cache, and ready, while STS is down: " + samples);
        } finally {
            sts.up();
        }
    }

    @Test
    @Order(3)
    void whileStsThrottlesTheAssumeRoleCallsFollowTheBackoffsNotTheRequests() throws Exception {
        FaultProxy sts = FaultyUpstream.sts;
        sts.up();
        sts.answer(request -> new FaultProxy.Answer(400, "Bad Request", "text/xml",
                "<ErrorResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><Error><Type>Sender</Type>"
                        + "<Code>Throttling</Code><Message>Rate exceeded</Message></Error>"
                        + "<RequestId>fault-proxy</RequestId></ErrorResponse>"));
        long callsBefore = sts.requests();
        ConcurrentLinkedQueue<Integer> statuses = new ConcurrentLinkedQueue<>();
        List<Thread> clients = new ArrayList<>();
        long window = TimeUnit.SECONDS.toNanos(10);
        long start = System.nanoTime();
        // Three scopes without credentials (5, 6, 7), 20 requests a second each.
        for (int n = 5; n < 8; n++) {
            int scope = n;
            Thread client = new Thread(() -> {
                try {
                    while (System.nanoTime() - start < window) {
                        statuses.add(item(scope));
                        Thread.sleep(50);
                    }
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            clients.add(client);
            client.start();
        }
        for (Thread client : clients) {
            client.join();
        }
        long calls = sts.requests() - callsBefore;
        sts.passEverything();
        System.out.println("[sts-faults] Throttling for 10 s, " + statuses.size() + " requests in three scopes: "
                + calls + " AssumeRole calls");
        assertTrue(statuses.stream().allMatch(s -> s == 503), "no credentials while STS throttles: " + statuses);
        // Between a scope's tries its requests are answered at once: without the backoff every request would wait
        // for a try of its own (each of the SDK's three attempts waits out its throttling delay), a dozen in 10 s.
        assertTrue(statuses.size() >= 100, "requests answered without waiting for STS: " + statuses.size());
        // The calls follow the tries of three scopes and the probe, whatever the requests: at most about four tries
        // each in 10 s, of three attempts each. (That the tries thin out over minutes: StsRecoveryTest.)
        assertTrue(calls <= 60, calls + " AssumeRole calls for " + statuses.size() + " requests");

        // STS answers again: the throttled scopes recover as after an outage.
        long back = System.nanoTime();
        while (item(5) != 200) {
            assertTrue(System.nanoTime() - back < TimeUnit.SECONDS.toNanos(5), "scope 5 did not recover");
            Thread.sleep(50);
        }
    }
}
