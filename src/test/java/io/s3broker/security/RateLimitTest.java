package io.s3broker.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.s3broker.testing.LocalS3Sts;
import io.s3broker.testing.LocalS3StsResource;
import io.s3broker.testing.TestAuth;

/**
 * broker.rate-limit.*: beyond its burst a caller gets 429 TooManyRequests with Retry-After while another caller is
 * not limited; beyond its uploads in flight a caller gets 429, and the count comes back once uploads end, failed
 * ones included.
 */
@QuarkusTest
@TestProfile(RateLimitTest.Limited.class)
@WithTestResource(LocalS3StsResource.class)
class RateLimitTest {

    public static class Limited implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("broker.auth.api-keys", TestAuth.apiKeys(Callers.OTHER, Callers.OTHER_KEY, Callers.UPLOADER,
                            Callers.UPLOADER_KEY),
                    "broker.rate-limit.per-second", "0.5",
                    "broker.rate-limit.burst", "5",
                    "broker.rate-limit.uploads-in-flight", "1");
        }
    }

    /** GET /item, a path two of CallerFilter's routes match ("/item" and "/item/*"): still one request of the bucket. */
    static RawHttp.Answer uploadUrl(String callerKey) {
        return RawHttp.send("GET /item?check=false&bucket=" + LocalS3Sts.bucket() + "&key=rate/k HTTP/1.1\r\n"
                + "Authorization: Bearer " + callerKey + "\r\n", null);
    }

    static RawHttp.Answer put(String callerKey, String key) {
        return RawHttp.send("PUT /item?bucket=" + LocalS3Sts.bucket() + "&key=" + key + " HTTP/1.1\r\n"
                + "Authorization: Bearer " + callerKey + "\r\n", "small".getBytes(StandardCharsets.UTF_8));
    }

    /**
     * PUT as the uploader, waiting out its request rate (its burst is nearly spent by now); with {@code mayBeInFlight},
     * also while the failed upload is still being aborted.
     */
    static RawHttp.Answer putOnceAdmitted(String key, boolean mayBeInFlight) throws InterruptedException {
        RawHttp.Answer answer = null;
        for (int attempt = 0; attempt < 8; attempt++) {
            Thread.sleep(2100);
            answer = put(Callers.UPLOADER_KEY, key);
            boolean rate = answer.status() == 429 && answer.body().contains("Too many requests");
            boolean inFlight = answer.status() == 429 && answer.body().contains("in flight");
            if (!rate && !(inFlight && mayBeInFlight)) {
                return answer;
            }
        }
        return answer;
    }

    @Test
    void beyondItsBurstACallerGets429WithRetryAfterAndOthersDoNot() {
        for (int i = 0; i < 5; i++) {
            RawHttp.Answer answer = uploadUrl(TestAuth.KEY);
            assertEquals(200, answer.status(), "request " + (i + 1) + " of the burst: " + answer);
        }
        RawHttp.Answer limited = uploadUrl(TestAuth.KEY);
        assertEquals(429, limited.status(), limited.toString());
        assertTrue(limited.isJson());
        assertEquals("TooManyRequests", limited.errorCode());
        assertNotNull(limited.header("Retry-After"), limited.toString());
        long retryAfter = Long.parseLong(limited.header("Retry-After"));
        assertTrue(retryAfter >= 1 && retryAfter <= 2, "one token every 2 s: Retry-After " + retryAfter);

        assertEquals(200, uploadUrl(Callers.OTHER_KEY).status(), "another caller has a bucket of its own");
        assertEquals(200, RawHttp.sendManagement("GET /q/health/live HTTP/1.1\r\n").status(), "health is not limited");
    }

    @Test
    void anExtraUploadGets429AndTheCountComesBackWhenUploadsEndFailedOnesIncluded() throws Exception {
        String run = UUID.randomUUID().toString();
        String stuckKey = "rate/stuck-" + run;
        try (Socket stuck = new Socket("127.0.0.1", RawHttp.port())) {
            OutputStream out = stuck.getOutputStream();
            out.write(("PUT /item?bucket=" + LocalS3Sts.bucket() + "&key=" + stuckKey + " HTTP/1.1\r\nHost: x\r\n"
                    + "Authorization: Bearer " + Callers.UPLOADER_KEY + "\r\nContent-Length: 1000000\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.write(new byte[1000]);
            out.flush();
            Upstream.awaitGauge("broker_uploads_in_flight", n -> n >= 1, "the stuck upload started");

            RawHttp.Answer extra = put(Callers.UPLOADER_KEY, "rate/extra-" + run);
            assertEquals(429, extra.status(), extra.toString());
            assertEquals("TooManyRequests", extra.errorCode());
            assertNotNull(extra.header("Retry-After"));
            assertEquals(201, put(Callers.OTHER_KEY, "rate/other-" + run).status(), "another caller may upload");
        } // the stuck upload's client goes away: the upload fails
        RawHttp.Answer after = putOnceAdmitted("rate/after-" + run, true);
        assertEquals(201, after.status(), "the failed upload gave its place back: " + after);
        RawHttp.Answer again = putOnceAdmitted("rate/again-" + run, false);
        assertEquals(201, again.status(), "the finished upload gave its place back: " + again);
        assertEquals(java.util.List.of(), Upstream.stored(stuckKey), "the failed upload left nothing");
    }
}
