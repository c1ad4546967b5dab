package io.s3broker.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.Test;

import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.s3broker.testing.LocalS3Sts;
import io.s3broker.testing.LocalS3StsResource;

/**
 * JWT mode with the keys at an http JWKS location (mp.jwt.verify.publickey.location): tokens verify against the
 * fetched keys, and the fetch, which blocks, does not hold an event loop: while a slow JWKS is on its way, other
 * requests are answered at once and Vert.x reports no blocked thread.
 */
@QuarkusTest
@io.quarkus.test.junit.TestProfile(JwksServer.Profile.class)
@WithTestResource(LocalS3StsResource.class)
@WithTestResource(JwksServer.class)
// The first test proves the keys are fetched off the event loops, so it must be the one that makes the fetch.
@org.junit.jupiter.api.TestMethodOrder(org.junit.jupiter.api.MethodOrderer.OrderAnnotation.class)
class JwksOverHttpAuthenticationTest {

    @Test
    @org.junit.jupiter.api.Order(1)
    void verifiesWithTheFetchedKeysWithoutBlockingAnEventLoop() throws Exception {
        long logStart = Files.size(Path.of("target", "quarkus-test.log"));
        CompletableFuture<RawHttp.Answer> first = CompletableFuture.supplyAsync(() -> JwtAuthenticationTest.get(
                LocalS3Sts.bucket(), "jwks/missing", "Bearer " + JwtKeys.validToken("carol")));
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        // The first request waits for the JWKS once the server has its fetch (it answers DELAY_MILLIS later).
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (fetches(http) < 1) {
            assertTrue(System.nanoTime() < until, "the broker never fetched the JWKS");
            Thread.sleep(20);
        }
        // Fresh connections spread over every event loop; none may wait for the JWKS.
        List<Long> tookMillis = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            HttpClient fresh = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
            long start = System.nanoTime();
            HttpResponse<String> health = fresh.send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + RawHttp.port() + "/q/openapi")).build(),
                    HttpResponse.BodyHandlers.ofString());
            tookMillis.add(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
            assertEquals(200, health.statusCode());
        }
        assertFalse(first.isDone(), "the JWKS is still on its way while the health requests were answered");
        assertTrue(tookMillis.stream().allMatch(ms -> ms < 2000), "the open document answered at once: " + tookMillis);

        RawHttp.Answer answer = first.get(30, TimeUnit.SECONDS);
        assertEquals(404, answer.status(), "the token verified, and S3 said the key is missing: " + answer);
        assertTrue(fetches(http) >= 1, "the keys came from the JWKS server");

        RawHttp.Answer again = JwtAuthenticationTest.get(LocalS3Sts.bucket(), "jwks/missing",
                "Bearer " + JwtKeys.validToken("carol"));
        assertEquals(404, again.status(), again.toString());
        String log = Files.readString(Path.of("target", "quarkus-test.log")).substring((int) logStart);
        assertFalse(log.contains("has been blocked for"), "no event loop was blocked");
    }

    /**
     * A token refused by a verification that ran on a worker is answered 401. It got no answer now and then (in CI)
     * while the refusal was written from the worker thread, which carries the request's context: the connection's
     * close queued on the loop overtook the answer. CallerFilterThreadTest pins the thread down.
     */
    @org.junit.jupiter.api.Order(2)
    @Test
    void aTokenRefusedOnAWorkerIsAnswered401() {
        JwtAuthenticationTest.get(LocalS3Sts.bucket(), "jwks/warm", "Bearer " + JwtKeys.validToken("carol"));
        RawHttp.Answer forged = JwtAuthenticationTest.get(LocalS3Sts.bucket(), "jwks/missing",
                "Bearer " + JwtKeys.token("carol", JwtKeys.ISSUER, JwtKeys.generate(), 300));
        assertEquals(401, forged.status(), forged.toString());
        assertEquals("Bearer", forged.header("WWW-Authenticate"));
    }

    private static int fetches(HttpClient http) throws Exception {
        String location = ConfigProvider.getConfig().getValue("mp.jwt.verify.publickey.location", String.class);
        return Integer.parseInt(http.send(HttpRequest.newBuilder(URI.create(location.replace("/jwks", "/fetches")))
                .build(), HttpResponse.BodyHandlers.ofString()).body());
    }
}
