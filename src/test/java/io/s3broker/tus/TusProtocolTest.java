package io.s3broker.tus;

import static io.s3broker.tus.TusClient.headObject;
import static io.s3broker.tus.TusClient.key;
import static io.s3broker.tus.TusClient.openUploads;
import static io.s3broker.tus.TusClient.parts;
import static io.s3broker.tus.TusClient.s3Calls;
import static io.s3broker.tus.TusClient.slice;
import static io.s3broker.tus.TusClient.stateKey;
import static io.s3broker.tus.TusClient.storedSha256;
import static io.s3broker.tus.TusClient.uploadId;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionException;

import jakarta.inject.Inject;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.s3broker.credentials.Access;
import io.s3broker.credentials.Grant;
import io.s3broker.credentials.Scope;
import io.s3broker.credentials.ScopedCredentials;
import io.s3broker.testing.LocalS3Sts;
import io.s3broker.testing.LocalS3StsResource;
import io.s3broker.testing.Metrics;
import io.s3broker.testing.RandomBytes;
import io.s3broker.testing.TestAuth;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.async.AsyncRequestBody;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.services.s3.S3AsyncClient;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * The tus 1.0.0 protocol at /files/ against the local RGW: every rule of the endpoint, with what S3 holds checked as
 * the bucket owner. Parts of 8 MiB and a 40 MiB limit keep the bytes few.
 */
@QuarkusTest
@TestProfile(TusProtocolTest.Tus.class)
@WithTestResource(LocalS3StsResource.class)
class TusProtocolTest {

    static final long MIB = 1 << 20;
    static final String ORIGIN = "https://app.example";
    static final String OTHER_KEY = "tus-other-key-0123456789abcdef";
    static final String OUTSIDER_KEY = "tus-outsider-key-0123456789abcdef";
    /** The test caller's key prefix. */
    static final String PREFIX = "tus/" + TestAuth.CALLER + "/";
    static final String META = "filename " + b64("report 2026.pdf") + ",filetype " + b64("application/pdf");

    public static class Tus implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            String bucket = LocalS3Sts.bucket();
            return Map.of("broker.tus.bucket", bucket,
                    "broker.access.write", bucket + "/tus/{caller}/",
                    "broker.access.callers.\"outsider\".write", bucket + "/elsewhere/",
                    "broker.auth.api-keys", TestAuth.apiKeys("other", OTHER_KEY, "outsider", OUTSIDER_KEY),
                    "broker.upload.part-size", "8M",
                    "broker.upload.max-size", "40M",
                    "quarkus.http.cors.enabled", "true",
                    "quarkus.http.cors.origins", ORIGIN);
        }
    }

    @Inject
    TusStore store;

    @Inject
    TusSweeper sweeper;

    @Inject
    ScopedCredentials credentials;

    final TusClient tus = TusClient.ofTestCaller();

    @AfterEach
    void realTime() {
        store.clock(Clock.systemUTC());
    }

    @Test
    void optionsTellsTheVersionTheExtensionsAndTheMaxSize() {
        HttpResponse<String> options = tus.send(tus.request("/files/").method("OPTIONS",
                HttpRequest.BodyPublishers.noBody()).build());
        assertEquals(204, options.statusCode());
        assertEquals("1.0.0", header(options, "Tus-Version"));
        assertEquals("creation,creation-with-upload,termination,expiration", header(options, "Tus-Extension"));
        assertEquals(Long.toString(40 * MIB), header(options, "Tus-Max-Size"));
    }

    @Test
    void threePatchesJoinTheirShortEndsInS3AndTheLastCompletesTheObjectLeavingNoState() {
        long length = 13 * MIB + 12_345;
        long seed = 11;
        String url = tus.create(length, META);
        String key = key(PREFIX, url);
        assertTrue(key.matches(PREFIX + "[0-9a-f]{32}-report_2026\\.pdf"), key);
        assertEquals(List.of(key), openUploads(key));
        HttpResponse<String> head = tus.head(url);
        assertEquals("0", header(head, "Upload-Offset"));
        assertEquals(Long.toString(length), header(head, "Upload-Length"));
        assertEquals(META, header(head, "Upload-Metadata"));
        assertEquals("no-store", header(head, "Cache-Control"));
        assertTrue(header(head, "Upload-Expires").endsWith(" GMT"), head.headers().map().toString());

        // Short of S3's smallest part: kept whole in the state object.
        assertEquals(204, tus.patch(url, 0, seed, 0, 100_000).statusCode());
        assertEquals(100_000, tus.offset(url));
        assertEquals(100_000L, headObject(stateKey(PREFIX, url)).orElseThrow().contentLength());
        assertEquals(List.of(), parts(key, uploadId(url)).orElseThrow());

        // The kept bytes go first: 6 MiB of them make a part (placed by its offset), the rest is kept again.
        HttpResponse<String> second = tus.patch(url, 100_000, seed, 100_000, 6 * MIB);
        assertEquals(204, second.statusCode(), second.body());
        long reached = 100_000 + 6 * MIB;
        assertEquals(Long.toString(reached), header(second, "Upload-Offset"));
        assertEquals(reached, tus.offset(url));
        var stored = parts(key, uploadId(url)).orElseThrow();
        assertEquals(1, stored.size(), stored.toString());
        assertEquals(1, stored.get(0).partNumber());
        assertEquals(6 * MIB, stored.get(0).size());
        assertEquals(100_000L, headObject(stateKey(PREFIX, url)).orElseThrow().contentLength());

        HttpResponse<String> last = tus.patch(url, reached, seed, reached, length - reached);
        assertEquals(204, last.statusCode(), last.body());
        assertEquals(Long.toString(length), header(last, "Upload-Offset"));
        assertEquals(RandomBytes.sha256(slice(seed, 0, length)), storedSha256(key));
        var object = headObject(key).orElseThrow();
        assertEquals("application/pdf", object.contentType());
        assertEquals(List.of(), openUploads(key), "no multipart upload left open");
        assertTrue(headObject(stateKey(PREFIX, url)).isEmpty(), "no state left");
        assertEquals(length, tus.offset(url), "a finished upload reports all its bytes");
        assertEquals(409, tus.patch(url, length, seed, 0, 1).statusCode(), "a finished upload takes no more bytes");
    }

    @Test
    void anUploadWhoseStateIsGoneIsNotFoundAndItsMultipartUploadGoesToo() {
        String asked = tus.create(6 * MIB, null);
        String patched = tus.create(6 * MIB, null);
        for (String url : List.of(asked, patched)) {
            LocalS3Sts.admin().deleteObject(d -> d.bucket(LocalS3Sts.bucket()).key(stateKey(PREFIX, url))).join();
        }
        assertEquals(404, tus.head(asked).statusCode());
        assertEquals(404, tus.patch(patched, 0, 1, 0, 10).statusCode());
        for (String url : List.of(asked, patched)) {
            assertTrue(parts(key(PREFIX, url), uploadId(url)).isEmpty(), "the multipart upload is aborted");
        }
    }

    @Test
    void theCredentialsThatRemoveStatesMayDeleteNothingElse() {
        String url = tus.create(5, null);
        assertEquals(204, tus.patch(url, 0, 4, 0, 5).statusCode());
        String key = key(PREFIX, url);
        String state = PREFIX + TusStore.STATE_DIR + "probe-" + System.nanoTime();
        LocalS3Sts.admin().putObject(p -> p.bucket(LocalS3Sts.bucket()).key(state),
                AsyncRequestBody.fromString("state")).join();
        var deleting = credentials.forScope(Scope.of(new Grant(Access.DELETE, LocalS3Sts.bucket(),
                PREFIX + TusStore.STATE_DIR), Duration.ofHours(1))).cache().get().join().credentials();
        try (S3AsyncClient client = S3AsyncClient.builder()
                .endpointOverride(java.net.URI.create(LocalS3Sts.get("LOCAL_S3STS_ENDPOINT")))
                .region(software.amazon.awssdk.regions.Region.US_EAST_1).forcePathStyle(true)
                .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
                .credentialsProvider(StaticCredentialsProvider.create(deleting)).build()) {
            var denied = assertThrows(CompletionException.class, () -> client.deleteObject(d -> d
                    .bucket(LocalS3Sts.bucket()).key(key)).join());
            assertEquals(403, ((S3Exception) denied.getCause()).statusCode(), "the finished object");
            denied = assertThrows(CompletionException.class, () -> client.putObject(p -> p.bucket(LocalS3Sts.bucket())
                    .key(state), AsyncRequestBody.fromString("x")).join());
            assertEquals(403, ((S3Exception) denied.getCause()).statusCode(), "a write");
            client.deleteObject(d -> d.bucket(LocalS3Sts.bucket()).key(state)).join();
        }
        assertTrue(headObject(state).isEmpty(), "a state object is what they may delete");
        assertTrue(headObject(key).isPresent());
    }

    @Test
    void aWrongOffsetIsAConflictAndChangesNothing() {
        String url = tus.create(10 * MIB, null);
        assertEquals(204, tus.patch(url, 0, 3, 0, 1000).statusCode());
        long calls = s3Calls();
        HttpResponse<String> conflict = tus.patch(url, 999, 3, 999, 1000);
        assertEquals(409, conflict.statusCode());
        assertTrue(conflict.body().contains("\"code\":\"Conflict\""), conflict.body());
        assertEquals("1.0.0", header(conflict, "Tus-Resumable"));
        assertTrue(s3Calls() - calls <= 2, "only the parts and state were read");
        assertEquals(1000, tus.offset(url));
        assertEquals(1000L, headObject(stateKey(PREFIX, url)).orElseThrow().contentLength());
        assertEquals(204, tus.delete(url).statusCode());
    }

    @Test
    void badRequestsGetWhatTheProtocolSaysAndLeaveNothing() {
        String url = tus.create(2 * MIB, null);
        HttpResponse<String> noVersion = tus.send(java.net.http.HttpRequest.newBuilder(TusClient.uri(url))
                .header("Authorization", TestAuth.BEARER).method("HEAD", HttpRequest.BodyPublishers.noBody()).build());
        assertEquals(412, noVersion.statusCode());
        assertEquals("1.0.0", header(noVersion, "Tus-Version"));
        HttpResponse<String> oldVersion = tus.send(tus.patchRequest(url, 0).setHeader("Tus-Resumable", "0.2.2")
                .method("PATCH", HttpRequest.BodyPublishers.ofString("x")).build());
        assertEquals(412, oldVersion.statusCode());
        assertTrue(oldVersion.body().contains("\"code\":\"PreconditionFailed\""), oldVersion.body());

        HttpResponse<String> wrongType = tus.send(tus.request(url).header("Upload-Offset", "0")
                .header("Content-Type", "application/octet-stream")
                .method("PATCH", HttpRequest.BodyPublishers.ofString("x")).build());
        assertEquals(415, wrongType.statusCode());
        assertTrue(wrongType.body().contains("\"code\":\"UnsupportedMediaType\""), wrongType.body());

        long calls = s3Calls();
        HttpResponse<String> past = tus.patch(url, 0, 5, 0, 2 * MIB + 1);
        assertEquals(400, past.statusCode());
        assertEquals(2, s3Calls() - calls, "refused on its Content-Length, once the parts and the state were read");
        assertTrue(past.body().contains("Upload-Length"), past.body());
        HttpResponse<String> pastChunked = tus.patchChunked(url, 0, 5, 0, 2 * MIB + 1);
        assertEquals(400, pastChunked.statusCode(), pastChunked.body());
        assertEquals(0, tus.offset(url), "nothing of a refused PATCH is stored");
        assertEquals(0L, headObject(stateKey(PREFIX, url)).orElseThrow().contentLength());

        HttpResponse<String> noOffset = tus.send(tus.request(url).header("Content-Type", "application/offset+octet-stream")
                .method("PATCH", HttpRequest.BodyPublishers.ofString("x")).build());
        assertEquals(400, noOffset.statusCode());

        List<String> before = openUploads(PREFIX);
        HttpResponse<String> tooLarge = tus.send(tus.creation(40 * MIB + 1, null).POST(HttpRequest.BodyPublishers.noBody()).build());
        assertEquals(413, tooLarge.statusCode());
        assertTrue(tooLarge.body().contains("\"code\":\"PayloadTooLarge\""), tooLarge.body());
        HttpResponse<String> noLength = tus.send(tus.request("/files/").POST(HttpRequest.BodyPublishers.noBody()).build());
        assertEquals(400, noLength.statusCode());
        HttpResponse<String> deferred = tus.send(tus.creation(10, null).header("Upload-Defer-Length", "1")
                .POST(HttpRequest.BodyPublishers.noBody()).build());
        assertEquals(400, deferred.statusCode(), "creation-defer-length is not offered");
        assertTrue(deferred.body().contains("Upload-Defer-Length"), deferred.body());
        HttpResponse<String> badMetadata = tus.send(tus.creation(10, "filename not*base64").POST(
                HttpRequest.BodyPublishers.noBody()).build());
        assertEquals(400, badMetadata.statusCode());
        assertEquals(before, openUploads(PREFIX), "no upload was created");
        assertEquals(204, tus.delete(url).statusCode());
    }

    @Test
    void anotherCallersUploadIsNotFoundAndTouchesNothing() {
        String url = tus.create(MIB, null);
        TusClient other = new TusClient(OTHER_KEY);
        long calls = s3Calls();
        assertEquals(404, other.head(url).statusCode());
        HttpResponse<String> patch = other.patch(url, 0, 1, 0, 100);
        assertEquals(404, patch.statusCode());
        assertTrue(patch.body().contains("\"code\":\"NotFound\""), patch.body());
        assertEquals(404, other.delete(url).statusCode());
        assertEquals(404, tus.head("/files/not-an-id").statusCode());
        assertEquals(calls, s3Calls(), "no S3 call");
        assertEquals(0, tus.offset(url));
        assertEquals(204, tus.delete(url).statusCode());
    }

    @Test
    void aCallerWhoseWriteListMissesItsPrefixIsRefusedBeforeAnyS3Call() {
        long calls = s3Calls();
        HttpResponse<String> refused = new TusClient(OUTSIDER_KEY).send(new TusClient(OUTSIDER_KEY).creation(10, null)
                .POST(HttpRequest.BodyPublishers.noBody()).build());
        assertEquals(403, refused.statusCode());
        assertTrue(refused.body().contains("\"code\":\"AccessDenied\""), refused.body());
        assertEquals(calls, s3Calls());
        assertEquals(List.of(), openUploads("tus/outsider/"));
    }

    @Test
    void terminationAbortsTheUploadAndRemovesItsState() {
        String url = tus.create(12 * MIB, null);
        assertEquals(204, tus.patch(url, 0, 7, 0, 9 * MIB).statusCode());
        String key = key(PREFIX, url);
        assertEquals(1, parts(key, uploadId(url)).orElseThrow().size());
        HttpResponse<String> terminated = tus.delete(url);
        assertEquals(204, terminated.statusCode());
        assertEquals("1.0.0", header(terminated, "Tus-Resumable"));
        assertTrue(parts(key, uploadId(url)).isEmpty(), "the multipart upload is aborted");
        assertTrue(headObject(stateKey(PREFIX, url)).isEmpty(), "its state is removed");
        assertTrue(headObject(key).isEmpty(), "no object");
        assertEquals(404, tus.head(url).statusCode());
        assertEquals(404, tus.delete(url).statusCode());
    }

    @Test
    void anExpiredUploadAnswers410AndLeavesNoTrace() {
        String url = tus.create(6 * MIB, null);
        assertEquals(204, tus.patch(url, 0, 9, 0, 4000).statusCode());
        store.clock(Clock.offset(Clock.systemUTC(), store.expiry().plusSeconds(5)));
        HttpResponse<String> gone = tus.patch(url, 4000, 9, 4000, 10);
        assertEquals(410, gone.statusCode());
        assertTrue(gone.body().contains("\"code\":\"Gone\""), gone.body());
        assertEquals(410, tus.head(url).statusCode());
        String key = key(PREFIX, url);
        assertTrue(parts(key, uploadId(url)).isEmpty(), "the multipart upload is aborted");
        assertTrue(headObject(stateKey(PREFIX, url)).isEmpty(), "its state is removed");
    }

    @Test
    void theSweepRemovesExpiredUploadsNobodyAsksAboutAgain() {
        String url = tus.create(6 * MIB, null);
        assertEquals(204, tus.patch(url, 0, 9, 0, 4000).statusCode());
        String key = key(PREFIX, url);
        sweeper.sweep(Instant.now()).await().atMost(Duration.ofSeconds(30));
        assertTrue(parts(key, uploadId(url)).isPresent(), "a sweep now leaves a live upload alone");
        int removed = sweeper.sweep(Instant.now().plus(store.expiry()).plus(TusSweeper.GRACE).plusSeconds(5))
                .await().atMost(Duration.ofSeconds(30));
        assertTrue(removed >= 1, "removed " + removed);
        assertTrue(parts(key, uploadId(url)).isEmpty(), "the multipart upload is aborted");
        assertTrue(headObject(stateKey(PREFIX, url)).isEmpty(), "its state is removed");
    }

    @Test
    void aConnectionClosedInAPatchKeepsEveryByteItBroughtAndTheUploadResumes() throws Exception {
        long length = 20 * MIB;
        long seed = 21;
        String url = tus.create(length, null);
        long sent = 11 * MIB + 777;
        tus.patchCutOff(url, 0, seed, 0, length, sent, false);
        awaitNoUploadRunning();
        assertEquals(sent, tus.offset(url), "a full part and the rest of what came, kept");
        HttpResponse<String> rest = tus.patch(url, sent, seed, sent, length - sent);
        assertEquals(204, rest.statusCode(), rest.body());
        assertEquals(RandomBytes.sha256(slice(seed, 0, length)), storedSha256(key(PREFIX, url)));
        assertTrue(headObject(stateKey(PREFIX, url)).isEmpty());
    }

    @Test
    void aConnectionResetInAPatchReportsOnlyWhatIsStoredAndTheUploadResumesByteForByte() throws Exception {
        long length = 24 * MIB;
        long seed = 22;
        String url = tus.create(length, null);
        long sent = 14 * MIB + 5;
        tus.patchCutOff(url, 0, seed, 0, length, sent, true);
        awaitNoUploadRunning();
        long offset = tus.offset(url);
        assertTrue(offset > 0 && offset <= sent, "offset " + offset + " of " + sent + " sent");
        HttpResponse<String> rest = tus.patch(url, offset, seed, offset, length - offset);
        assertEquals(204, rest.statusCode(), rest.body());
        assertEquals(RandomBytes.sha256(slice(seed, 0, length)), storedSha256(key(PREFIX, url)));
        assertEquals(List.of(), openUploads(key(PREFIX, url)));
    }

    /**
     * h2c by upgrade (the JDK's client upgrades its first request's connection, and sends every later request as a
     * stream of it): PATCHes stream, and a refused one ends its own stream, not the connection the others use.
     */
    @Test
    void overHttp2ThePatchesOfAnUploadAndARefusalShareOneConnection() {
        TusClient h2 = new TusClient(TestAuth.KEY, HttpClient.newBuilder().version(HttpClient.Version.HTTP_2).build());
        long length = 12 * MIB + 3;
        long seed = 24;
        HttpResponse<String> options = h2.send(h2.request("/files/").method("OPTIONS",
                HttpRequest.BodyPublishers.noBody()).build());
        assertEquals(204, options.statusCode());
        String url = h2.create(length, null);
        HttpResponse<String> first = h2.patch(url, 0, seed, 0, 9 * MIB);
        assertEquals(204, first.statusCode(), first.body());
        assertEquals(HttpClient.Version.HTTP_2, first.version());
        HttpResponse<String> conflict = h2.patch(url, 5, seed, 5, 64 * 1024);
        assertEquals(409, conflict.statusCode(), conflict.body());
        assertEquals(HttpClient.Version.HTTP_2, conflict.version());
        HttpResponse<String> rest = h2.patch(url, 9 * MIB, seed, 9 * MIB, length - 9 * MIB);
        assertEquals(204, rest.statusCode(), rest.body());
        assertEquals(HttpClient.Version.HTTP_2, rest.version());
        assertEquals(RandomBytes.sha256(slice(seed, 0, length)), storedSha256(key(PREFIX, url)));
        assertEquals(List.of(), openUploads(key(PREFIX, url)));
        assertTrue(headObject(stateKey(PREFIX, url)).isEmpty());
    }

    @Test
    void creationWithUploadAndAnEmptyUpload() {
        byte[] first = "the first bytes".getBytes(StandardCharsets.UTF_8);
        HttpResponse<String> created = tus.send(tus.creation(100, null)
                .header("Content-Type", "application/offset+octet-stream")
                .POST(HttpRequest.BodyPublishers.ofByteArray(first)).build());
        assertEquals(201, created.statusCode(), created.body());
        assertEquals(Long.toString(first.length), header(created, "Upload-Offset"));
        String url = header(created, "Location");
        assertEquals(first.length, tus.offset(url));
        assertEquals(204, tus.delete(url).statusCode());

        String empty = tus.create(0, null);
        HttpResponse<String> head = tus.head(empty);
        assertEquals(200, head.statusCode());
        assertEquals("0", header(head, "Upload-Offset"));
        assertEquals("0", header(head, "Upload-Length"));
        assertEquals(0L, headObject(key(PREFIX, empty)).orElseThrow().contentLength());
    }

    @Test
    void withCorsOnAPageOfTheOriginMayReadTheTusHeaders() {
        String url = tus.create(10, null);
        HttpResponse<String> head = tus.send(tus.request(url).header("Origin", ORIGIN)
                .method("HEAD", HttpRequest.BodyPublishers.noBody()).build());
        assertEquals(ORIGIN, header(head, "Access-Control-Allow-Origin"));
        String exposed = header(head, "Access-Control-Expose-Headers");
        for (String name : List.of("Location", "Upload-Offset", "Upload-Length", "Tus-Resumable", "Upload-Expires")) {
            assertTrue(exposed.contains(name), exposed);
        }
        HttpResponse<String> preflight = tus.send(java.net.http.HttpRequest.newBuilder(TusClient.uri(url))
                .header("Origin", ORIGIN).header("Access-Control-Request-Method", "PATCH")
                .header("Access-Control-Request-Headers", "authorization,tus-resumable,upload-offset,content-type")
                .method("OPTIONS", HttpRequest.BodyPublishers.noBody()).build());
        assertEquals(200, preflight.statusCode());
        assertTrue(header(preflight, "Access-Control-Allow-Methods").contains("PATCH"), preflight.headers().map().toString());
        assertEquals(204, tus.delete(url).statusCode());
    }

    @Test
    void theMetricsNameTheRouteNeverTheUpload() {
        String url = tus.create(10, null);
        tus.offset(url);
        String id = url.substring(url.lastIndexOf('/') + 1);
        String metrics = Metrics.scrape();
        assertFalse(metrics.contains(id.substring(0, 20)), "an upload id in the metrics");
        assertTrue(metrics.contains("uri=\"/files/{id}\"") && metrics.contains("uri=\"/files\""), "the routes' series");
        assertEquals(204, tus.delete(url).statusCode());
    }

    private void awaitNoUploadRunning() throws InterruptedException {
        long until = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (System.nanoTime() < until) {
            if (Metrics.lines("broker_uploads_in_flight").stream().allMatch(line -> line.endsWith(" 0.0"))) {
                return;
            }
            Thread.sleep(50);
        }
        throw new AssertionError("an upload still runs: " + Metrics.lines("broker_uploads_in_flight"));
    }

    static String header(HttpResponse<?> response, String name) {
        return response.headers().firstValue(name).orElse(null);
    }

    static String b64(String text) {
        return Base64.getEncoder().encodeToString(text.getBytes(StandardCharsets.UTF_8));
    }

}
