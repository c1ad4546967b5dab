package io.s3broker.upload;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

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
import io.s3broker.testing.TestAuth;

/**
 * Bodies that are empty in every framing, clients that stall, and more uploads than part buffers: each gets its
 * answer within its bound and leaves nothing in S3 (issue 13, "Safety").
 */
@QuarkusTest
@TestProfile(UploadLimitsProfile.class)
@WithTestResource(LocalS3StsResource.class)
class UploadLimitsTest {

    static final long MIB = 1 << 20;
    static final Duration LONG = Duration.ofSeconds(60);

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
     * Four chunked PUTs that send a little and stall hold the four part buffers of the default pool; a fifth upload
     * behind them gets 503 with Retry-After once the buffer wait is over, and the four get 408 at the idle timeout.
     */
    @Test
    void fourStalledBodiesLeaveAFifthUploadA503WithinTheBufferWait() throws Exception {
        long buffers = ConfigProvider.getConfig().getValue("broker.upload.max-buffered", MemorySize.class).asLongValue()
                / ConfigProvider.getConfig().getValue("broker.upload.part-size", MemorySize.class).asLongValue();
        assertEquals(4, buffers, "the default pool has four part buffers");
        List<RawClient> stalled = new ArrayList<>();
        List<String> keys = new ArrayList<>();
        try {
            for (int i = 0; i < 4; i++) {
                String key = "limits/stalled-" + i + "-" + UUID.randomUUID();
                keys.add(key);
                stalled.add(new RawClient(base, put(key) + "Transfer-Encoding: chunked\r\n\r\n").chunks(64 * 1024));
            }
            Thread.sleep(500);
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
        return "PUT /item?" + Uploads.destination(key) + " HTTP/1.1\r\nHost: localhost\r\n" + TestAuth.HEADER_LINE;
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
