package io.s3broker.s3;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.s3broker.aws.S3Clients;
import io.s3broker.aws.S3ClientsLifecycle;
import io.s3broker.testing.TestConfig;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.exception.ApiCallTimeoutException;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.http.async.SdkAsyncHttpClient;
import software.amazon.awssdk.http.nio.netty.NettyNioAsyncHttpClient;
import software.amazon.awssdk.services.s3.S3AsyncClient;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * {@link HeadObjectClient} and the SDK's S3 client (as {@link S3Clients} builds it) get the same answers from one
 * stub server, and must make the same number of attempts and fail the same way: the same kind of exception, and
 * the same {@link S3Failure} once {@link S3Errors#translate} has seen it.
 */
class HeadObjectClientTest {

    /**
     * Long enough for every retry: the SDK backs off throttling for seconds over its four attempts (jittered,
     * growing from about half a second); with 3 s it once ran out of time before its fourth attempt.
     */
    private static final Duration TIMEOUT = Duration.ofSeconds(10);
    /** For the answers that never come. */
    private static final Duration SHORT_TIMEOUT = Duration.ofSeconds(2);
    private static final Duration UNREACHABLE_BOUND = Duration.ofSeconds(60);
    private static final String BUCKET = "stub-bucket";
    private static final String KEY = "a/b.txt";
    private static final String TARGET = "s3://" + BUCKET + "/" + KEY;

    private static Vertx vertx;
    private static HttpServer stub;
    private static SdkAsyncHttpClient http;
    private static S3Clients clients;
    private static HeadObjectClient heads;

    /** What the stub does with each request, in order; the last step repeats. */
    private static volatile List<Step> script = List.of(Step.status(200));
    private static final AtomicInteger requests = new AtomicInteger();

    /** One answer of the stub: a status with headers, a connection closed without answer, or no answer at all. */
    record Step(int status, Map<String, String> headers, boolean closes, boolean hangs) {
        static Step status(int status, String... headers) {
            Map<String, String> map = new java.util.LinkedHashMap<>();
            for (int i = 0; i < headers.length; i += 2) {
                map.put(headers[i], headers[i + 1]);
            }
            return new Step(status, map, false, false);
        }

        static Step closeConnection() {
            return new Step(0, Map.of(), true, false);
        }

        static Step hang() {
            return new Step(0, Map.of(), false, true);
        }
    }

    @BeforeAll
    static void start() throws Exception {
        vertx = Vertx.vertx();
        stub = vertx.createHttpServer().requestHandler(HeadObjectClientTest::answer)
                .listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        http = NettyNioAsyncHttpClient.builder().build();
        clients = new S3Clients(TestConfig.of(Map.of("broker.region", "us-east-1",
                "broker.s3.endpoint", "http://127.0.0.1:" + stub.actualPort(), "broker.s3.path-style", "true")), http);
        heads = new HeadObjectClient(vertx, TestConfig.of(Map.of()));
    }

    @AfterAll
    static void stop() {
        heads.close();
        S3ClientsLifecycle.close(clients);
        http.close();
        vertx.close().toCompletionStage().toCompletableFuture().join();
    }

    @BeforeEach
    void reset() {
        requests.set(0);
    }

    private static void answer(HttpServerRequest request) {
        int n = requests.getAndIncrement();
        List<Step> steps = script;
        Step step = steps.get(Math.min(n, steps.size() - 1));
        if (step.hangs()) {
            return;
        }
        if (step.closes()) {
            request.connection().close();
            return;
        }
        step.headers().forEach(request.response()::putHeader);
        request.response().putHeader("x-amz-request-id", "stub-" + n).setStatusCode(step.status()).end();
    }

    @Test
    void succeedsOnTheFirstAnswer() {
        assertSameOutcome(1, Step.status(200));
    }

    @Test
    void retriesServerErrorsUntilOneSucceeds() {
        assertSameOutcome(3, Step.status(500), Step.status(503), Step.status(200));
    }

    @Test
    void givesUpAfterFourServerErrors() {
        Outcome outcome = assertSameOutcome(4, Step.status(500));
        assertEquals(S3Failure.Kind.UPSTREAM, outcome.kind());
        assertEquals(S3Failure.Kind.BUSY, assertSameOutcome(4, Step.status(503)).kind(), "503: S3 asks to slow down");
    }

    @Test
    void retriesThrottling() {
        assertSameOutcome(2, Step.status(429), Step.status(200));
    }

    @Test
    void givesUpAfterFourThrottledAttempts() {
        assertEquals(S3Failure.Kind.BUSY, assertSameOutcome(4, Step.status(429)).kind());
    }

    @Test
    void retriesLostConnections() {
        assertSameOutcome(3, Step.closeConnection(), Step.closeConnection(), Step.status(200));
    }

    @Test
    void givesUpAfterFourLostConnections() {
        Outcome outcome = assertSameOutcome(4, Step.closeConnection());
        assertEquals(S3Failure.Kind.UPSTREAM, outcome.kind());
        assertEquals("SdkClientException", outcome.raw());
    }

    @Test
    void doesNotRetryANotFound() {
        Outcome outcome = assertSameOutcome(1, Step.status(404));
        assertEquals(S3Failure.Kind.NO_SUCH_KEY, outcome.kind());
    }

    @Test
    void doesNotRetryAccessDenied() {
        assertEquals(S3Failure.Kind.ACCESS_DENIED, assertSameOutcome(1, Step.status(403)).kind());
    }

    @Test
    void tellsAMovedPermanentlyToAnotherRegion() {
        Outcome outcome = assertSameOutcome(1, Step.status(301, "x-amz-bucket-region", "eu-central-1"));
        assertEquals(S3Failure.Kind.WRONG_REGION, outcome.kind());
        assertTrue(outcome.message().contains("eu-central-1"), outcome.message());
    }

    @Test
    void tellsABadRequestForAnotherRegion() {
        assertEquals(S3Failure.Kind.WRONG_REGION,
                assertSameOutcome(1, Step.status(400, "x-amz-bucket-region", "ap-south-1")).kind());
    }

    @Test
    void timesOutWhenNoAnswerComes() {
        Outcome outcome = assertSameOutcome(SHORT_TIMEOUT, 1, Step.hang());
        assertEquals(S3Failure.Kind.TIMEOUT, outcome.kind());
        assertEquals("ApiCallTimeoutException", outcome.raw());
    }

    @Test
    void timesOutOverAllAttempts() {
        Outcome outcome = assertSameOutcome(SHORT_TIMEOUT, 2, Step.status(503), Step.hang());
        assertEquals(S3Failure.Kind.TIMEOUT, outcome.kind());
    }

    @Test
    void failsAsUnreachableWhenNothingListens() throws Exception {
        HttpServer closed = vertx.createHttpServer().requestHandler(r -> r.response().end())
                .listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        int port = closed.actualPort();
        closed.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        S3Clients unreachable = new S3Clients(TestConfig.of(Map.of("broker.region", "us-east-1",
                "broker.s3.endpoint", "http://127.0.0.1:" + port, "broker.s3.path-style", "true")), http);
        try {
            // Refused connections fail within a second; the bound is wide because the SDK's first call on a fresh
            // client (class loading, endpoint rules) took more than 10 s once on a machine busy with other builds.
            Outcome ours = ours("http://127.0.0.1:" + port, UNREACHABLE_BOUND);
            Outcome sdk = sdk(unreachable.forRegion("us-east-1").retrying(), UNREACHABLE_BOUND);
            assertEquals(sdk, ours);
            assertEquals(S3Failure.Kind.UPSTREAM, ours.kind());
            assertEquals("SdkClientException", ours.raw());
        } finally {
            S3ClientsLifecycle.close(unreachable);
        }
    }

    /** How a HEAD ended: attempts seen by the stub, the raw failure's type (and status), what S3Errors made of it. */
    record Outcome(int attempts, String raw, S3Failure.Kind kind, String message) {
    }

    private Outcome assertSameOutcome(int attempts, Step... steps) {
        return assertSameOutcome(TIMEOUT, attempts, steps);
    }

    private Outcome assertSameOutcome(Duration timeout, int attempts, Step... steps) {
        script = List.of(steps);
        Outcome sdk = sdk(clients.forRegion("us-east-1").retrying(), timeout);
        Outcome ours = ours("http://127.0.0.1:" + stub.actualPort(), timeout);
        assertEquals(sdk, ours, "the SDK's client and HeadObjectClient");
        assertEquals(attempts, ours.attempts(), "attempts");
        if (steps[steps.length - 1].status() == 200) {
            assertNull(ours.raw(), "succeeded");
        }
        return ours;
    }

    private Outcome ours(String endpoint, Duration timeout) {
        requests.set(0);
        HeadObjectClient.SignedHead head = new HeadObjectClient.SignedHead(endpoint + "/" + BUCKET + "/" + KEY,
                Map.of("Authorization", "AWS4-HMAC-SHA256 stub", "x-amz-date", "20260101T000000Z"));
        CompletableFuture<Void> done = heads.head(head, timeout).subscribeAsCompletionStage();
        return outcome(done, timeout);
    }

    private Outcome sdk(S3AsyncClient client, Duration timeout) {
        requests.set(0);
        CompletableFuture<Void> done = client.headObject(r -> r.bucket(BUCKET).key(KEY)
                .overrideConfiguration(o -> o.apiCallTimeout(timeout).credentialsProvider(
                        StaticCredentialsProvider.create(AwsBasicCredentials.create("AKIDSTUB", "stub-secret")))))
                .thenApply(response -> null);
        return outcome(done, timeout);
    }

    private static Outcome outcome(CompletableFuture<Void> done, Duration timeout) {
        Throwable failure = null;
        try {
            done.get(timeout.toSeconds() + 10, TimeUnit.SECONDS);
        } catch (java.util.concurrent.ExecutionException e) {
            failure = e.getCause();
        } catch (Exception e) {
            throw new AssertionError("no outcome in time", e);
        }
        int attempts = requests.get();
        if (failure == null) {
            return new Outcome(attempts, null, null, null);
        }
        Throwable raw = S3Errors.unwrap(failure);
        RuntimeException translated = S3Errors.translate(failure, TARGET);
        S3Failure s3 = translated instanceof S3Failure f ? f : null;
        return new Outcome(attempts, describe(raw), s3 == null ? null : s3.kind(),
                s3 == null ? translated.toString() : s3.getMessage());
    }

    /** The SDK throws subclasses (NoSuchKeyException for a 404); what counts is the family and the status. */
    private static String describe(Throwable raw) {
        if (raw instanceof S3Exception s3) {
            return "S3Exception " + s3.statusCode();
        }
        if (raw instanceof ApiCallTimeoutException) {
            return "ApiCallTimeoutException";
        }
        if (raw instanceof SdkClientException) {
            return "SdkClientException";
        }
        List<String> chain = new ArrayList<>();
        for (Throwable t = raw; t != null && chain.size() < 5; t = t.getCause()) {
            chain.add(t.getClass().getName());
        }
        return String.join(" <- ", chain);
    }
}
