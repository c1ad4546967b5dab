package io.s3broker.upload;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.path.json.JsonPath;
import io.s3broker.testing.LocalS3StsResource;
import io.s3broker.testing.TestAuth;

/**
 * An idle timeout longer than the S3 client's own 30 s write-idle bound: a client that goes silent mid-body is
 * still the broker's to judge, so it gets 408 at the idle timeout and nothing is left, not a 502 blaming S3 when
 * the S3 client gives up on the stalled body first.
 */
@QuarkusTest
@TestProfile(LongIdleTimeoutTest.Profile.class)
@WithTestResource(LocalS3StsResource.class)
class LongIdleTimeoutTest {

    static final int IDLE_SECONDS = 34;
    static final long MIB = 1 << 20;

    public static class Profile implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("broker.upload.idle-timeout", IDLE_SECONDS + "S");
        }
    }

    @TestHTTPResource("/")
    URI base;

    /** Both streamed calls at once (one PutObject, one UploadPart), so that the test waits out one timeout. */
    @Test
    void aClientSilentPastTheS3ClientsWriteBoundGets408AtTheIdleTimeout() throws Exception {
        String single = "limits/long-silent-put-" + UUID.randomUUID();
        String parted = "limits/long-silent-chunked-" + UUID.randomUUID();
        try (RawClient put = new RawClient(base, put(single) + "Content-Length: " + (20 * MIB) + "\r\n\r\n").bytes(10 * MIB);
                RawClient chunked = new RawClient(base, put(parted) + "Transfer-Encoding: chunked\r\n\r\n").chunks(10 * MIB)) {
            Duration wait = Duration.ofSeconds(IDLE_SECONDS + 30);
            for (RawClient.Answer answer : new RawClient.Answer[] { put.answer(wait), chunked.answer(wait) }) {
                assertEquals(408, answer.status(), answer.head() + answer.body());
                assertEquals("RequestTimeout", JsonPath.from(answer.body()).getString("error.code"), answer.body());
                assertTrue(answer.millis() >= IDLE_SECONDS * 1000L, "before the idle timeout: " + answer.millis() + " ms");
            }
        }
        UploadFailureTest.assertNothingLeft(single);
        UploadFailureTest.assertNothingLeft(parted);
    }

    private static String put(String key) {
        return "PUT /item?" + Uploads.destination(key) + " HTTP/1.1\r\nHost: localhost\r\n" + TestAuth.HEADER_LINE;
    }
}
