package io.s3broker.upload;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Flow;
import java.util.concurrent.SubmissionPublisher;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.path.json.JsonPath;
import io.s3broker.testing.LocalS3Sts;
import io.s3broker.testing.LocalS3StsResource;
import io.s3broker.testing.RandomBytes;
import io.s3broker.testing.TestAuth;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.Http2Settings;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.http.StreamResetException;

/**
 * Every way in over HTTP/2 in clear text, as the broker serves it: h2c by upgrade (the JDK's client, whose first
 * request upgrades its connection, so that later uploads are streams of it) and h2c by prior knowledge (Vert.x's
 * client), each way alone and several at once on one connection, byte for byte in S3. Streams of one connection share
 * its flow-control window: an upload the broker does not read yet (one waiting for a part buffer) must not stop the
 * others, and an answer to an upload whose body is unread must not close the connection under them.
 */
@QuarkusTest
@TestProfile(UploadProfile.class)
@WithTestResource(LocalS3StsResource.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
public class Http2UploadTest {

    static final long MIB = 1 << 20;
    static final Duration LONG = Duration.ofSeconds(90);

    /** How an HTTP/2 connection in clear text comes about. */
    enum H2c {
        UPGRADE, PRIOR_KNOWLEDGE
    }

    /** One request: its body made on the fly, of {@code length} bytes or, at -1, of a length not declared. */
    record Request(HttpMethod method, String query, String contentType, long length, Supplier<InputStream> body) {
    }

    record Answer(int status, String body, String version) {
    }

    @TestHTTPResource("/")
    URI base;

    private Vertx vertx;

    @BeforeAll
    void startVertx() {
        vertx = Vertx.vertx();
    }

    @AfterAll
    void stopVertx() throws Exception {
        vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }

    /** With a length, one streamed PutObject; without, a multipart upload of two parts. */
    @ParameterizedTest(name = "h2c by {0}")
    @EnumSource(H2c.class)
    void puts(H2c how) throws Exception {
        try (Connection connection = connect(how)) {
            String key = key("put-length");
            check(key, 5 * MIB + 3, 11, connection.send(put(key, 5 * MIB + 3, 11, true)).get(LONG.toSeconds(), TimeUnit.SECONDS));
            key = key("put-no-length");
            check(key, 16 * MIB + 1, 12, connection.send(put(key, 16 * MIB + 1, 12, false)).get(LONG.toSeconds(), TimeUnit.SECONDS));
        }
    }

    @ParameterizedTest(name = "h2c by {0}")
    @EnumSource(H2c.class)
    void forms(H2c how) throws Exception {
        try (Connection connection = connect(how)) {
            for (long size : new long[] { 0, 1, 16 * MIB + 1 }) {
                for (boolean withLength : new boolean[] { true, false }) {
                    String key = key("form-" + size + "-" + withLength);
                    check(key, size, size + 13, connection.send(form(key, size, size + 13, withLength))
                            .get(LONG.toSeconds(), TimeUnit.SECONDS));
                }
            }
        }
    }

    /**
     * More uploads that need a part buffer than the caller's share of the pool: those that wait for one hold what
     * the client sent them unread, which must not stop the uploads that hold the buffers.
     */
    @ParameterizedTest(name = "h2c by {0}")
    @EnumSource(H2c.class)
    void severalAtOnceOnOneConnection(H2c how) throws Exception {
        try (Connection connection = connect(how)) {
            List<String> keys = new ArrayList<>();
            List<CompletableFuture<Answer>> answers = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                String key = key("at-once-" + i);
                keys.add(key);
                Request request = switch (i % 4) {
                    case 0 -> put(key, 4 * MIB, 100 + i, true);
                    case 1, 2 -> put(key, 4 * MIB, 100 + i, false);
                    default -> form(key, 4 * MIB, 100 + i, i == 3);
                };
                answers.add(connection.send(request));
            }
            for (int i = 0; i < keys.size(); i++) {
                check(keys.get(i), 4 * MIB, 100 + i, answers.get(i).get(LONG.toSeconds(), TimeUnit.SECONDS));
            }
            connection.assertOne();
        }
    }

    /**
     * An upload refused before its body is read (a bucket outside the caller's allow-list) is answered on its stream,
     * which is then reset; an upload running on the same connection goes on (its body waits until the refusal is in,
     * so that it is still running then). The refused body is small enough to be read while the broker lingers: once
     * it has the answer, the JDK 17 client ignores the reset that ends a longer one and waits for its own timeout
     * (JDK-8309118, fixed in JDK 22).
     */
    @ParameterizedTest(name = "h2c by {0}")
    @EnumSource(H2c.class)
    void aRefusedUploadLeavesTheConnectionToTheOthers(H2c how) throws Exception {
        try (Connection connection = connect(how)) {
            String key = key("beside-a-refusal");
            CountDownLatch refused = new CountDownLatch(1);
            long size = 3 * MIB;
            Request gated = new Request(HttpMethod.PUT, Uploads.destination(key), "application/x-test", size,
                    () -> new SequenceInputStream(new RandomBytes(MIB, 21), new GatedStream(refused, new RandomBytes(size - MIB, 22))));
            CompletableFuture<Answer> running = connection.send(gated);
            Answer refusal = connection.send(new Request(HttpMethod.PUT, "bucket=not-allowed-bucket&key=" + key,
                    "application/x-test", MIB, () -> new RandomBytes(MIB, 23))).get(LONG.toSeconds(), TimeUnit.SECONDS);
            assertEquals(403, refusal.status(), refusal.body());
            refused.countDown();
            Answer stored = running.get(LONG.toSeconds(), TimeUnit.SECONDS);
            assertEquals(201, stored.status(), stored.body());
            assertEquals(RandomBytes.sha256(new SequenceInputStream(new RandomBytes(MIB, 21), new RandomBytes(size - MIB, 22))),
                    Uploads.storedSha256(key), "stored bytes of " + key);
            Uploads.delete(key);
            connection.assertOne();
        }
    }

    /**
     * A refused body is read for a moment only: then its stream is reset with NO_ERROR (RFC 9113 8.1), as an HTTP/1.1
     * connection would be closed. The client here writes until then.
     */
    @Test
    void aRefusedBodyIsNotReadToItsEnd() throws Exception {
        io.vertx.core.http.HttpClient client = vertx.createHttpClient(PriorKnowledge.OPTIONS);
        try {
            CompletableFuture<Integer> status = new CompletableFuture<>();
            CompletableFuture<Long> reset = new CompletableFuture<>();
            Buffer chunk = Buffer.buffer(new byte[1 << 16]);
            client.request(new RequestOptions().setMethod(HttpMethod.PUT)
                    .setAbsoluteURI(base.resolve("/item?bucket=not-allowed-bucket&key=" + key("endless")).toString())
                    .putHeader("Authorization", TestAuth.BEARER)).onComplete(created -> {
                        if (created.failed()) {
                            status.completeExceptionally(created.cause());
                            return;
                        }
                        HttpClientRequest request = created.result().setChunked(true);
                        request.exceptionHandler(e -> reset.complete(e instanceof StreamResetException r ? r.getCode() : -1L));
                        request.response().onComplete(answer -> status.complete(answer.succeeded() ? answer.result().statusCode() : -1));
                        vertx.setPeriodic(10, timer -> {
                            if (reset.isDone()) {
                                vertx.cancelTimer(timer);
                            } else {
                                request.write(chunk);
                            }
                        });
                    });
            assertEquals(403, status.get(LONG.toSeconds(), TimeUnit.SECONDS));
            assertEquals(0L, reset.get(LONG.toSeconds(), TimeUnit.SECONDS), "the reset's error code");
        } finally {
            client.close();
        }
    }

    /**
     * What a connection holds unread is bounded by its streams, each by its window, now that the connection's window
     * is no bound: the broker announces a limit of concurrent streams (Quarkus by itself announces none).
     */
    @Test
    void aConnectionHoldsBoundedBytesUnread() throws Exception {
        try (PriorKnowledge connection = new PriorKnowledge(vertx, base)) {
            String key = key("settings");
            check(key, 1, 31, connection.send(put(key, 1, 31, true)).get(LONG.toSeconds(), TimeUnit.SECONDS));
            Http2Settings settings = connection.remoteSettings();
            long unread = settings.getMaxConcurrentStreams() * settings.getInitialWindowSize();
            assertTrue(unread <= 8 * MIB, "streams x window: " + settings.getMaxConcurrentStreams() + " x "
                    + settings.getInitialWindowSize());
        }
    }

    private static String key(String way) {
        return "http2/" + way + "-" + UUID.randomUUID();
    }

    private static Request put(String key, long size, long seed, boolean withLength) {
        return new Request(HttpMethod.PUT, Uploads.destination(key), "application/x-test", withLength ? size : -1,
                () -> new RandomBytes(size, seed));
    }

    private static Request form(String key, long size, long seed, boolean withLength) {
        byte[] head = (Uploads.fields(List.<String[]>of(new String[] { "bucket", LocalS3Sts.bucket() }, new String[] { "key", key }))
                + "--" + Uploads.BOUNDARY + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"object.bin\"\r\n"
                + "Content-Type: application/x-test\r\n\r\n").getBytes(StandardCharsets.UTF_8);
        byte[] tail = ("\r\n--" + Uploads.BOUNDARY + "--\r\n").getBytes(StandardCharsets.UTF_8);
        return new Request(HttpMethod.POST, "", "multipart/form-data; boundary=" + Uploads.BOUNDARY,
                withLength ? head.length + size + tail.length : -1,
                () -> new SequenceInputStream(Collections.enumeration(List.<InputStream>of(new ByteArrayInputStream(head),
                        new RandomBytes(size, seed), new ByteArrayInputStream(tail)))));
    }

    private static void check(String key, long size, long seed, Answer answer) {
        assertEquals("HTTP/2", answer.version(), "protocol of the upload of " + key);
        assertEquals(201, answer.status(), answer.body());
        JsonPath body = JsonPath.from(answer.body());
        assertEquals(key, body.getString("key"));
        assertEquals(size, body.getLong("size"));
        assertEquals(RandomBytes.sha256(size, seed), Uploads.storedSha256(key), "stored bytes of " + key);
        Uploads.delete(key);
    }

    private Connection connect(H2c how) throws Exception {
        return how == H2c.UPGRADE ? new Upgraded(base) : new PriorKnowledge(vertx, base);
    }

    /** One HTTP/2 connection to the broker. */
    interface Connection extends AutoCloseable {
        CompletableFuture<Answer> send(Request request);

        /** Every request went on the one connection. */
        void assertOne();

        @Override
        void close();
    }

    /**
     * The JDK's client: its first request (a GET) asks for the upgrade; from then on every request to the broker is a
     * stream of that one connection.
     */
    static final class Upgraded implements Connection {
        private final URI base;
        private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_2).build();
        private final ExecutorService readers = Executors.newCachedThreadPool();

        Upgraded(URI base) throws Exception {
            this.base = base;
            HttpResponse<String> first = client.send(HttpRequest.newBuilder(base.resolve("/q/health/live")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(HttpClient.Version.HTTP_2, first.version(), "the broker upgrades to h2c");
        }

        @Override
        public CompletableFuture<Answer> send(Request request) {
            // The body is read on a thread of its own: the JDK's client may ask for it on the thread that reads the
            // connection, which a body waiting at a gate would stop.
            Flow.Publisher<ByteBuffer> chunks = subscriber -> {
                SubmissionPublisher<ByteBuffer> feed = new SubmissionPublisher<>(readers, 16);
                feed.subscribe(subscriber);
                readers.execute(() -> {
                    try (InputStream in = request.body().get()) {
                        byte[] chunk = new byte[1 << 16];
                        for (int n; (n = in.read(chunk, 0, chunk.length)) >= 0; ) {
                            feed.submit(ByteBuffer.wrap(Arrays.copyOf(chunk, n)));
                        }
                        feed.close();
                    } catch (Exception e) {
                        feed.closeExceptionally(e);
                    }
                });
            };
            HttpRequest.BodyPublisher body = request.length() >= 0
                    ? HttpRequest.BodyPublishers.fromPublisher(chunks, request.length())
                    : HttpRequest.BodyPublishers.fromPublisher(chunks);
            return client.sendAsync(HttpRequest.newBuilder(base.resolve("/item" + (request.query().isEmpty() ? "" : "?" + request.query())))
                    .header("Authorization", TestAuth.BEARER)
                    .header("Content-Type", request.contentType())
                    .timeout(LONG)
                    .method(request.method().name(), body).build(), HttpResponse.BodyHandlers.ofString())
                    .thenApply(r -> new Answer(r.statusCode(), r.body(), r.version() == HttpClient.Version.HTTP_2 ? "HTTP/2" : "HTTP/1.1"));
        }

        @Override
        public void assertOne() {
            // The JDK's client keeps one HTTP/2 connection per origin and sends every request on it.
        }

        @Override
        public void close() {
            readers.shutdownNow();
        }
    }

    /** Vert.x's client with h2c by prior knowledge, at most one connection. */
    static final class PriorKnowledge implements Connection {
        static final HttpClientOptions OPTIONS = new HttpClientOptions().setProtocolVersion(HttpVersion.HTTP_2)
                .setHttp2ClearTextUpgrade(false).setHttp2MaxPoolSize(1).setHttp2MultiplexingLimit(-1);
        private final URI base;
        private final io.vertx.core.http.HttpClient client;
        private final Set<HttpConnection> connections = Collections.synchronizedSet(new HashSet<>());
        private final ExecutorService writers = Executors.newCachedThreadPool();

        PriorKnowledge(Vertx vertx, URI base) {
            this.base = base;
            this.client = vertx.createHttpClient(OPTIONS);
        }

        @Override
        public CompletableFuture<Answer> send(Request request) {
            RequestOptions options = new RequestOptions().setMethod(request.method())
                    .setAbsoluteURI(base.resolve("/item" + (request.query().isEmpty() ? "" : "?" + request.query())).toString())
                    .putHeader("Authorization", TestAuth.BEARER)
                    .putHeader("Content-Type", request.contentType())
                    .setIdleTimeout(LONG.toMillis());
            return client.request(options).compose(req -> {
                connections.add(req.connection());
                if (request.length() >= 0) {
                    req.putHeader("Content-Length", Long.toString(request.length()));
                } else {
                    req.setChunked(true);
                }
                // The body is read on a thread of its own, as the JDK's client does: it may wait for a gate.
                writers.execute(() -> write(request, req));
                return req.response();
            }).compose(response -> response.body().map(body -> new Answer(response.statusCode(), body.toString(),
                    response.version() == HttpVersion.HTTP_2 ? "HTTP/2" : response.version().name())))
                    .toCompletionStage().toCompletableFuture();
        }

        private static void write(Request request, HttpClientRequest req) {
            try (InputStream in = request.body().get()) {
                byte[] chunk = new byte[1 << 16];
                for (int n; (n = in.read(chunk, 0, chunk.length)) >= 0; ) {
                    req.write(Buffer.buffer(Arrays.copyOf(chunk, n))).toCompletionStage().toCompletableFuture()
                            .get(LONG.toSeconds(), TimeUnit.SECONDS);
                }
                req.end();
            } catch (Exception e) {
                // A body the broker answered before reading all of it: the answer is what counts.
                req.reset();
            }
        }

        @Override
        public void assertOne() {
            assertEquals(1, connections.size(), "connections used");
        }

        /** The SETTINGS the broker sent on the connection. */
        Http2Settings remoteSettings() {
            assertOne();
            return connections.iterator().next().remoteSettings();
        }

        @Override
        public void close() {
            writers.shutdownNow();
            client.close();
        }
    }

    /** Yields {@code rest} once {@code open} is counted down: a body that stays in flight until then. */
    static final class GatedStream extends InputStream {
        private final CountDownLatch open;
        private final InputStream rest;

        GatedStream(CountDownLatch open, InputStream rest) {
            this.open = open;
            this.rest = rest;
        }

        @Override
        public int read() throws java.io.IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] buffer, int offset, int count) throws java.io.IOException {
            try {
                if (!open.await(LONG.toSeconds(), TimeUnit.SECONDS)) {
                    throw new java.io.IOException("the gate never opened");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new java.io.InterruptedIOException();
            }
            return rest.read(buffer, offset, count);
        }
    }
}
