package io.s3broker.upload;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import io.quarkus.runtime.configuration.MemorySize;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.path.json.JsonPath;
import io.s3broker.testing.LocalS3Sts;
import io.s3broker.testing.LocalS3StsResource;
import io.s3broker.testing.Management;
import io.s3broker.testing.TestAuth;

/**
 * Bodies that are empty in every framing, clients that stall, and more uploads than part buffers: each gets its
 * answer within its bound and leaves nothing in S3.
 */
@QuarkusTest
@TestProfile(UploadLimitsProfile.class)
@WithTestResource(LocalS3StsResource.class)
class UploadLimitsTest {

    static final long MIB = 1 << 20;
    static final Duration LONG = Duration.ofSeconds(60);
    static final String OTHER_CALLER = "Authorization: Bearer " + UploadLimitsProfile.OTHER_KEY + "\r\n";

    @TestHTTPResource("/")
    URI base;

    /** PUT with Content-Length 0, chunked PUT with and without Expect: 100-continue. */
    @ParameterizedTest(name = "framing {0}")
    @ValueSource(strings = { "Content-Length: 0\r\n", "Transfer-Encoding: chunked\r\n",
            "Transfer-Encoding: chunked\r\nExpect: 100-continue\r\n" })
    void anEmptyPutIsAnEmptyObject(String framing) throws Exception {
        String key = "limits/empty-put-" + UUID.randomUUID();
        try (RawClient client = new RawClient(base, put(key) + framing + "\r\n")) {
            if (framing.contains("chunked")) {
                client.raw("0\r\n\r\n");
            }
            expectEmptyObject(key, client.answer(Duration.ofSeconds(20)));
        }
    }

    /** A form whose file is empty, with a Content-Length and chunked. */
    @ParameterizedTest(name = "chunked: {0}")
    @ValueSource(booleans = { false, true })
    void anEmptyFileInAFormIsAnEmptyObject(boolean chunked) throws Exception {
        String key = "limits/empty-form-" + UUID.randomUUID();
        String form = Uploads.fields(List.<String[]>of(new String[] { "bucket", LocalS3Sts.bucket() }, new String[] { "key", key }))
                + "--" + Uploads.BOUNDARY + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"empty\"\r\n\r\n"
                + "\r\n--" + Uploads.BOUNDARY + "--\r\n";
        String head = "POST /item HTTP/1.1\r\nHost: localhost\r\n" + TestAuth.HEADER_LINE
                + "Content-Type: multipart/form-data; boundary=" + Uploads.BOUNDARY + "\r\n";
        try (RawClient client = new RawClient(base, head + (chunked ? "Transfer-Encoding: chunked\r\n\r\n"
                + Integer.toHexString(form.length()) + "\r\n" + form + "\r\n0\r\n\r\n"
                : "Content-Length: " + form.getBytes(StandardCharsets.US_ASCII).length + "\r\n\r\n" + form))) {
            expectEmptyObject(key, client.answer(Duration.ofSeconds(20)));
        }
    }

    /**
     * Four chunked PUTs that send a little and stall hold the four part buffers of the default pool (three of one
     * caller, its share, and one of another); a fifth upload behind them gets 503 with Retry-After once the buffer
     * wait is over, and the four get 408 at the idle timeout.
     */
    @Test
    void fourStalledBodiesLeaveAFifthUploadA503WithinTheBufferWait() throws Exception {
        long buffers = ConfigProvider.getConfig().getValue("broker.upload.max-buffered", MemorySize.class).asLongValue()
                / ConfigProvider.getConfig().getValue("broker.upload.part-size", MemorySize.class).asLongValue();
        assertEquals(4, buffers, "the default pool has four part buffers");
        awaitNoBufferInUse();
        List<RawClient> stalled = new ArrayList<>();
        List<String> keys = new ArrayList<>();
        try {
            for (int i = 0; i < 4; i++) {
                String key = "limits/stalled-" + i + "-" + UUID.randomUUID();
                keys.add(key);
                String auth = i < 3 ? TestAuth.HEADER_LINE : OTHER_CALLER;
                stalled.add(new RawClient(base, put(key, auth) + "Transfer-Encoding: chunked\r\n\r\n").chunks(64 * 1024));
            }
            awaitBuffersInUse(4);
            String fifth = "limits/fifth-" + UUID.randomUUID();
            try (RawClient client = new RawClient(base, put(fifth) + "Transfer-Encoding: chunked\r\n\r\n").chunks(1000)) {
                client.raw("0\r\n\r\n");
                RawClient.Answer answer = client.answer(LONG);
                expectError(answer, 503, "ServiceUnavailable");
                assertTrue(answer.hasHeader("Retry-After"), answer.head());
                assertTrue(answer.millis() < (UploadLimitsProfile.BUFFER_WAIT_SECONDS + 2) * 1000L,
                        "answered within the buffer wait: " + answer.millis() + " ms");
                UploadFailureTest.assertNothingLeft(fifth);
            }
            for (int i = 0; i < 4; i++) {
                RawClient.Answer answer = stalled.get(i).answer(LONG);
                expectError(answer, 408, "RequestTimeout");
                assertTrue(answer.millis() < (UploadLimitsProfile.IDLE_SECONDS + 5) * 1000L, answer.millis() + " ms");
                UploadFailureTest.assertNothingLeft(keys.get(i));
            }
        } finally {
            for (RawClient client : stalled) {
                client.close();
            }
        }
    }

    /**
     * One caller's four stalled chunked PUTs hold only its share of the pool (three of four buffers): another
     * caller's chunked PUT gets the fourth at once and is stored, while the first caller's fourth upload waits (and
     * gets 503 after the buffer wait).
     */
    @Test
    void oneCallersStalledUploadsLeaveAPartBufferToAnotherCaller() throws Exception {
        awaitNoBufferInUse();
        List<RawClient> stalled = new ArrayList<>();
        try {
            for (int i = 0; i < 4; i++) {
                String key = "limits/hog-" + i + "-" + UUID.randomUUID();
                stalled.add(new RawClient(base, put(key) + "Transfer-Encoding: chunked\r\n\r\n").chunks(64 * 1024));
            }
            awaitBuffersInUse(3);
            String other = "limits/other-" + UUID.randomUUID();
            try (RawClient client = new RawClient(base, put(other, OTHER_CALLER) + "Transfer-Encoding: chunked\r\n\r\n")
                    .chunks(1000)) {
                client.raw("0\r\n\r\n");
                RawClient.Answer answer = client.answer(LONG);
                assertEquals(201, answer.status(), answer.head() + answer.body());
                assertTrue(answer.millis() < UploadLimitsProfile.BUFFER_WAIT_SECONDS * 1000L,
                        "not after a wait for a buffer: " + answer.millis() + " ms");
            }
            Uploads.delete(other);
            List<Integer> statuses = new ArrayList<>();
            for (RawClient client : stalled) {
                statuses.add(client.answer(LONG).status());
            }
            statuses.sort(null);
            assertEquals(List.of(408, 408, 408, 503), statuses, "three held a buffer until the idle timeout, one"
                    + " waited for one in vain");
        } finally {
            for (RawClient client : stalled) {
                client.close();
            }
        }
    }

    /**
     * A chunked PUT that trickles 20 bytes a second, below the least rate (1K a second by default), moves all the
     * time, so the idle bound alone never ends it: it is cut with 408 at the end of its first window (the idle
     * timeout), and leaves nothing.
     */
    @Test
    void aClientThatTricklesBelowTheLeastRateGets408AndLeavesNothing() throws Exception {
        String key = "limits/trickle-" + UUID.randomUUID();
        long aborts = Uploads.metric("AbortMultipartUpload");
        try (RawClient client = new RawClient(base, put(key) + "Transfer-Encoding: chunked\r\n\r\n").chunks(10 * MIB)) {
            Thread trickle = new Thread(() -> {
                try {
                    for (int i = 0; i < 80; i++) {
                        Thread.sleep(500);
                        client.chunks(10);
                    }
                } catch (Exception closed) {
                    // the broker answered and closed the connection
                }
            });
            trickle.start();
            RawClient.Answer answer = client.answer(LONG);
            trickle.interrupt();
            expectError(answer, 408, "RequestTimeout");
            assertTrue(answer.body().contains("least rate"), answer.body());
            assertTrue(answer.millis() >= UploadLimitsProfile.IDLE_SECONDS * 1000L
                    && answer.millis() < 3L * UploadLimitsProfile.IDLE_SECONDS * 1000L, answer.millis() + " ms");
        }
        UploadFailureTest.assertNothingLeft(key);
        assertTrue(Uploads.metric("AbortMultipartUpload") > aborts, "the multipart upload was aborted");
    }

    /** More than a part, so that a multipart upload is open when the client goes silent: it is aborted. */
    @Test
    void aClientThatGoesSilentGets408AndLeavesNothing() throws Exception {
        String key = "limits/silent-" + UUID.randomUUID();
        long aborts = Uploads.metric("AbortMultipartUpload");
        try (RawClient client = new RawClient(base, put(key) + "Transfer-Encoding: chunked\r\n\r\n").chunks(10 * MIB)) {
            RawClient.Answer answer = client.answer(LONG);
            expectError(answer, 408, "RequestTimeout");
            assertTrue(answer.millis() >= UploadLimitsProfile.IDLE_SECONDS * 1000L, "not before the idle timeout: "
                    + answer.millis() + " ms");
        }
        UploadFailureTest.assertNothingLeft(key);
        assertTrue(Uploads.metric("AbortMultipartUpload") > aborts, "the multipart upload was aborted");
    }

    /** A PUT with a Content-Length whose client stops halfway: the streamed PutObject is cancelled. */
    @Test
    void aSilentPutWithAContentLengthGets408AndLeavesNothing() throws Exception {
        String key = "limits/silent-put-" + UUID.randomUUID();
        try (RawClient client = new RawClient(base, put(key) + "Content-Length: " + (20 * MIB) + "\r\n\r\n").bytes(10 * MIB)) {
            expectError(client.answer(LONG), 408, "RequestTimeout");
        }
        UploadFailureTest.assertNothingLeft(key);
    }

    private static String put(String key) {
        return put(key, TestAuth.HEADER_LINE);
    }

    private static String put(String key, String authorization) {
        return "PUT /item?" + Uploads.destination(key) + " HTTP/1.1\r\nHost: localhost\r\n" + authorization;
    }

    /** Waits until the pool has handed out {@code count} buffers, or more: the uploads before have started. */
    private static void awaitBuffersInUse(int count) throws Exception {
        awaitBuffers(inUse -> inUse >= count, count + " or more");
    }

    /** Waits until the uploads of the tests before have given their buffers back. */
    private static void awaitNoBufferInUse() throws Exception {
        awaitBuffers(inUse -> inUse == 0, "no");
    }

    private static void awaitBuffers(java.util.function.DoublePredicate wanted, String what) throws Exception {
        long deadline = System.nanoTime() + 20_000_000_000L;
        Pattern gauge = Pattern.compile("(?m)^broker_upload_buffers_in_use(\\{[^}]*})? ([0-9.eE+-]+)$");
        while (true) {
            Matcher value = gauge.matcher(Management.given().get("/q/metrics").then().statusCode(200).extract().asString());
            if (value.find() && wanted.test(Double.parseDouble(value.group(2)))) {
                return;
            }
            assertTrue(System.nanoTime() < deadline, "the pool never had " + what + " buffers out");
            Thread.sleep(50);
        }
    }

    private static void expectEmptyObject(String key, RawClient.Answer answer) {
        assertEquals(201, answer.status(), answer.head() + answer.body());
        assertEquals(0, JsonPath.from(answer.body()).getLong("size"));
        assertEquals(0L, LocalS3Sts.admin().headObject(h -> h.bucket(LocalS3Sts.bucket()).key(key)).join().contentLength());
        Uploads.delete(key);
    }

    private static void expectError(RawClient.Answer answer, int status, String code) {
        assertEquals(status, answer.status(), answer.head() + answer.body());
        assertTrue(answer.head().toLowerCase().contains("content-type: application/json"), answer.head());
        assertEquals(code, JsonPath.from(answer.body()).getString("error.code"), answer.body());
    }
}
