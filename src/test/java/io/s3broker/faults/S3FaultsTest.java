package io.s3broker.faults;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.RestAssured;
import io.s3broker.testing.FaultProxy;
import io.s3broker.testing.LocalS3Sts;
import io.s3broker.testing.RandomBytes;
import io.s3broker.testing.RawUpload;
import io.s3broker.testing.TestAuth;
import software.amazon.awssdk.core.async.AsyncResponseTransformer;

/**
 * S3 failing under a running broker, through a proxy: S3 answers 503 SlowDown to one request in three (GET /item
 * and uploads get through the retries, or answer 503 JSON with Retry-After; nothing half-written), and S3 goes away
 * in the middle of a streamed upload (the client gets 502 or 504 JSON within the idle timeout, and once S3 is back
 * there is no object and no open multipart upload of it).
 */
@QuarkusTest
@TestProfile(S3FaultsTest.ShortS3Bounds.class)
@WithTestResource(FaultyUpstream.class)
class S3FaultsTest {

    static final int MIB = 1 << 20;
    static final Duration IDLE_TIMEOUT = Duration.ofSeconds(20);
    static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    static final ObjectMapper JSON = new ObjectMapper();

    /** A metadata call (an abort among them) gives up after 3 s, so that an upload cut off from S3 answers soon. */
    public static class ShortS3Bounds implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("broker.s3.timeout", "3S", "broker.upload.idle-timeout", IDLE_TIMEOUT.toSeconds() + "S");
        }
    }

    @BeforeEach
    void stsUpS3Healthy() {
        FaultyUpstream.sts.up();
        FaultyUpstream.sts.passEverything();
        FaultyUpstream.s3.up();
        FaultyUpstream.s3.passEverything();
    }

    static FaultProxy.Answer slowDown() {
        return new FaultProxy.Answer(503, "Slow Down", "application/xml", "<?xml version=\"1.0\" encoding=\"UTF-8\"?>"
                + "<Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message>"
                + "<RequestId>fault-proxy</RequestId></Error>");
    }

    static String url(String path, String key) {
        return "http://localhost:" + RestAssured.port + path + "?bucket=" + LocalS3Sts.bucket() + "&key=" + key;
    }

    /** An answer that is not a success must be S3's slowing down passed on: 503 JSON, with Retry-After. */
    static void assertSucceededOrToldToRetry(HttpResponse<String> answer, int success) throws IOException {
        if (answer.statusCode() == success) {
            return;
        }
        assertEquals(503, answer.statusCode(), answer.body());
        assertTrue(answer.headers().firstValue("Content-Type").orElse("").startsWith("application/json"), answer.body());
        assertEquals("ServiceUnavailable", JSON.readTree(answer.body()).path("error").path("code").asText(), answer.body());
        assertTrue(answer.headers().firstValue("Retry-After").isPresent(), "Retry-After on " + answer.body());
    }

    static List<String> openUploads(String prefix) {
        return LocalS3Sts.admin().listMultipartUploads(l -> l.bucket(LocalS3Sts.bucket()).prefix(prefix)).join()
                .uploads().stream().map(u -> u.key()).toList();
    }

    static boolean stored(String key) {
        return LocalS3Sts.admin().listObjectsV2(l -> l.bucket(LocalS3Sts.bucket()).prefix(key)).join().keyCount() > 0;
    }

    @Test
    void whenS3SaysSlowDownToOneRequestInThreeRequestsGetThroughOrAreToldToRetryAndNothingIsHalfWritten() throws Exception {
        String prefix = "fault-8/slowdown-" + UUID.randomUUID() + "/";
        String existing = prefix + "existing";
        LocalS3Sts.admin().putObject(p -> p.bucket(LocalS3Sts.bucket()).key(existing),
                software.amazon.awssdk.core.async.AsyncRequestBody.fromString("here")).join();
        AtomicLong seen = new AtomicLong();
        FaultyUpstream.s3.answer(request -> seen.incrementAndGet() % 3 == 0 ? slowDown() : null);
        long answeredBefore = FaultyUpstream.s3.answered();

        int itemsServed = 0;
        for (int i = 0; i < 15; i++) {
            HttpResponse<String> item = HTTP.send(HttpRequest.newBuilder(URI.create(url("/item", existing)))
                    .header("Authorization", TestAuth.BEARER).build(), HttpResponse.BodyHandlers.ofString());
            assertSucceededOrToldToRetry(item, 200);
            itemsServed += item.statusCode() == 200 ? 1 : 0;
        }

        // Uploads of each kind: a PUT with a Content-Length (one streamed PutObject), chunked PUTs (a multipart
        // upload over 16 MiB parts), a form.
        List<String> keys = new ArrayList<>();
        List<Long> sizes = new ArrayList<>();
        int uploaded = 0;
        for (int i = 0; i < 9; i++) {
            String key = prefix + "upload-" + i;
            long size = i % 3 == 1 ? 20L * MIB : 64 * 1024;
            HttpRequest.Builder put = HttpRequest.newBuilder(URI.create(url("/item", key)))
                    .header("Authorization", TestAuth.BEARER);
            HttpRequest request = switch (i % 3) {
                case 0 -> put.PUT(HttpRequest.BodyPublishers.ofInputStream(() -> new RandomBytes(size, size))).build();
                case 1 -> put.PUT(HttpRequest.BodyPublishers.fromPublisher(
                        HttpRequest.BodyPublishers.ofInputStream(() -> new RandomBytes(size, size)))).build();
                default -> put.header("Content-Type", "multipart/form-data; boundary=b0undary")
                        .POST(HttpRequest.BodyPublishers.ofString("--b0undary\r\nContent-Disposition: form-data;"
                                + " name=\"file\"; filename=\"f\"\r\n\r\n" + "x".repeat((int) size) + "\r\n--b0undary--\r\n"))
                        .build();
            };
            HttpResponse<String> answer = HTTP.send(request, HttpResponse.BodyHandlers.ofString());
            assertSucceededOrToldToRetry(answer, 201);
            if (answer.statusCode() == 201) {
                uploaded++;
                keys.add(key);
                sizes.add(i % 3 == 2 ? -1 : size);
            } else {
                assertTrue(!stored(key), "a refused upload left an object: " + key);
            }
        }
        long injected = FaultyUpstream.s3.answered() - answeredBefore;
        FaultyUpstream.s3.passEverything();
        System.out.println("[s3-faults] SlowDown to every third request (" + injected + " answered by the proxy): "
                + itemsServed + " of 15 GET /item served, " + uploaded + " of 9 uploads stored");
        assertTrue(injected >= 10, "S3 said SlowDown " + injected + " times");
        assertTrue(itemsServed > 0 && uploaded > 0, "some got through the retries");
        // A streamed body cannot be sent twice, so the SDK does not retry it: some uploads were told to retry.
        assertTrue(uploaded < 9, "every upload got through: the test did not see a refusal");
        // Whatever got through is whole; whatever did not left no part behind (aborts retried in the background).
        for (int i = 0; i < keys.size(); i++) {
            if (sizes.get(i) > 0) {
                String key = keys.get(i);
                InputStream in = LocalS3Sts.admin().getObject(g -> g.bucket(LocalS3Sts.bucket()).key(key),
                        AsyncResponseTransformer.toBlockingInputStream()).join();
                assertEquals(RandomBytes.sha256(sizes.get(i), sizes.get(i)), RandomBytes.sha256(in), key);
            }
        }
        awaitNoOpenUpload(prefix, Duration.ofSeconds(20));
    }

    @Test
    void whenS3GoesAwayInTheMiddleOfAStreamedUploadTheClientIsAnsweredAndNothingIsLeftOnceS3IsBack() throws Exception {
        String key = "fault-9/gone-" + UUID.randomUUID();
        try (Socket socket = new Socket("127.0.0.1", RestAssured.port)) {
            socket.setSoTimeout((int) IDLE_TIMEOUT.plusSeconds(10).toMillis());
            OutputStream out = socket.getOutputStream();
            out.write(("PUT /item?bucket=" + LocalS3Sts.bucket() + "&key=" + key + " HTTP/1.1\r\nHost: localhost\r\n"
                    + TestAuth.HEADER_LINE + "Transfer-Encoding: chunked\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            RawUpload.writeChunks(out, 12 * MIB);
            long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (openUploads(key).isEmpty()) {
                assertTrue(System.nanoTime() < until, "the upload never created its multipart upload");
                Thread.sleep(100);
            }

            FaultyUpstream.s3.down();
            long gone = System.nanoTime();
            // The client goes on sending, as one does while its upload seems to go well.
            Thread sending = new Thread(() -> {
                try {
                    while (!Thread.currentThread().isInterrupted()) {
                        RawUpload.writeChunks(out, 1 << 16);
                        Thread.sleep(50);
                    }
                } catch (IOException | InterruptedException answeredAndClosed) {
                    // the broker answered and closed, or the test is done
                }
            });
            sending.start();
            String answer;
            try {
                answer = RawUpload.readAnswer(socket.getInputStream());
            } finally {
                sending.interrupt();
            }
            long answeredAfter = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - gone);
            System.out.println("[s3-faults] S3 gone in the middle of a chunked PUT: answered after " + answeredAfter
                    + " ms: " + answer.lines().findFirst().orElse(""));
            assertTrue(answer.startsWith("HTTP/1.1 502 ") || answer.startsWith("HTTP/1.1 504 "), answer);
            JsonNode error = JSON.readTree(answer.substring(answer.indexOf("\r\n\r\n") + 4)).path("error");
            assertTrue(List.of("UpstreamError", "UpstreamTimeout").contains(error.path("code").asText()), answer);
            // At the latest when the idle bound finds S3 took nothing, plus the abort it waits for (broker.s3.timeout).
            assertTrue(answeredAfter < IDLE_TIMEOUT.plusSeconds(3 + 2).toMillis(), "answered within the idle timeout: "
                    + answeredAfter);
        } finally {
            Thread.sleep(2000);
            FaultyUpstream.s3.up();
        }
        // While S3 was away the abort could not be made; once it is back, nothing of the upload remains.
        awaitNoOpenUpload(key, Duration.ofSeconds(20));
        assertTrue(!stored(key), "no object");
    }

    static void awaitNoOpenUpload(String prefix, Duration within) throws InterruptedException {
        long until = System.nanoTime() + within.toNanos();
        while (!openUploads(prefix).isEmpty()) {
            assertTrue(System.nanoTime() < until, "open multipart uploads left: " + openUploads(prefix));
            Thread.sleep(200);
        }
    }
}
