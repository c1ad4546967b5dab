package io.s3broker.rest;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.endsWith;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import io.restassured.response.ExtractableResponse;
import io.restassured.response.Response;
import io.s3broker.s3.OpenUploads;
import io.s3broker.testing.BrowserApiConfig;
import io.s3broker.testing.LocalS3Sts;
import io.s3broker.testing.LocalS3StsResource;
import io.s3broker.testing.RandomBytes;
import io.s3broker.testing.TestAuth;
import software.amazon.awssdk.core.async.AsyncResponseTransformer;
import software.amazon.awssdk.services.s3.model.NoSuchUploadException;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * The Companion-compatible API against the local RGW: parts PUT to the presigned URLs for real, resume, ownership
 * between callers, the allow-list before any S3 call, bad part numbers, abandoned uploads.
 */
@QuarkusTest
@TestProfile(CompanionResourceTest.Companion.class)
@WithTestResource(LocalS3StsResource.class)
class CompanionResourceTest {

    static final String OTHER_KEY = "other-key-0123456789abcdef";
    static final String OUTSIDER_KEY = "outsider-key-0123456789abcdef";

    public static class Companion implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            String bucket = LocalS3Sts.bucket();
            return BrowserApiConfig.with("broker.companion.abandoned-after", "1H",
                    // Each caller's uploads under a scope of its own, as the README sets browsers up.
                    "broker.access.write", bucket + "/uploads/{caller}/",
                    "broker.credentials.enabled", "true",
                    "broker.auth.api-keys", TestAuth.apiKeys("other", OTHER_KEY, "outsider", OUTSIDER_KEY),
                    // The outsider may write elsewhere in the bucket, not under the upload prefix.
                    "broker.access.callers.\"outsider\".write", bucket + "/elsewhere/");
        }
    }

    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @Inject
    OpenUploads open;

    @Test
    void uploadsInPartsToPresignedUrlsResumesAndCompletes() throws Exception {
        byte[] first = random(5 << 20);
        byte[] second = random(5 << 20);
        byte[] last = random(1234);
        ExtractableResponse<Response> created = create(TestAuth.BEARER, "big file ü.bin", "application/x-test")
                .then().statusCode(200)
                .body("key", startsWith("uploads/test/"))
                .body("key", endsWith("-big_file_.bin"))
                .body("bucket", equalTo(LocalS3Sts.bucket()))
                .extract();
        String key = created.path("key");
        String uploadId = created.path("uploadId");

        Map<String, String> urls = given().queryParam("key", key).queryParam("partNumbers", "1,2")
                .when().get("/s3/multipart/{id}/batch", uploadId)
                .then().statusCode(200).header("Cache-Control", "no-store")
                .extract().jsonPath().getMap("presignedUrls", String.class, String.class);
        assertEquals(List.of("1", "2"), List.copyOf(urls.keySet()));
        assertTrue(urls.get("1").contains("X-Amz-Expires=2400"), "part URLs live broker.presign.default-expiry");
        String etag1 = putPart(urls.get("1"), first);
        String etag2 = putPart(urls.get("2"), second);

        // Resume: what S3 holds so far, in Companion's shape.
        given().queryParam("key", key).when().get("/s3/multipart/{id}", uploadId)
                .then().statusCode(200)
                .body("", hasSize(2))
                .body("[0].PartNumber", equalTo(1)).body("[0].ETag", equalTo(etag1)).body("[0].Size", equalTo(5 << 20))
                .body("[1].PartNumber", equalTo(2)).body("[1].ETag", equalTo(etag2));

        ExtractableResponse<Response> signed = given().queryParam("key", key)
                .when().get("/s3/multipart/{id}/{n}", uploadId, 3)
                .then().statusCode(200).extract();
        long expires = ((Number) signed.path("expires")).longValue();
        assertTrue(expires > 2300 && expires <= 2400, "expires " + expires);
        String etag3 = putPart(signed.path("url"), last);

        String parts = "{\"parts\":[{\"PartNumber\":2,\"ETag\":" + json(etag2) + "},{\"PartNumber\":1,\"ETag\":"
                + json(etag1) + "},{\"PartNumber\":3,\"ETag\":" + json(etag3) + "}]}";
        given().queryParam("key", key).contentType(ContentType.JSON).body(parts)
                .when().post("/s3/multipart/{id}/complete", uploadId)
                .then().statusCode(200)
                .body("key", equalTo(key))
                .body("bucket", equalTo(LocalS3Sts.bucket()));

        byte[] stored = LocalS3Sts.admin().getObject(g -> g.bucket(LocalS3Sts.bucket()).key(key),
                AsyncResponseTransformer.toBytes()).join().asByteArray();
        byte[] expected = concat(first, second, last);
        assertEquals(RandomBytes.sha256(expected), RandomBytes.sha256(stored));
        assertEquals("application/x-test", LocalS3Sts.admin().headObject(h -> h.bucket(LocalS3Sts.bucket()).key(key))
                .join().contentType());
        assertEquals(0, openUploads("uploads/test/").stream().filter(key::equals).count());
        assertTrue(open.find(uploadId).isEmpty());
    }

    @Test
    void signsASimpleUploadUnderTheCallersPrefix() throws Exception {
        ExtractableResponse<Response> params = given().queryParam("filename", "../../etc/passwd")
                .queryParam("type", "text/plain")
                .when().get("/s3/params")
                .then().statusCode(200)
                .header("Cache-Control", "no-store")
                .body("method", equalTo("POST"))
                .body("fields.Content-Type", equalTo("text/plain"))
                .body("fields.x-amz-algorithm", equalTo("AWS4-HMAC-SHA256"))
                .extract();
        String url = params.path("url");
        assertEquals(LocalS3Sts.get("LOCAL_S3STS_ENDPOINT") + "/" + LocalS3Sts.bucket(), url);
        Map<String, String> fields = params.jsonPath().getMap("fields", String.class, String.class);
        String key = fields.get("key");
        assertTrue(key.matches("uploads/test/[0-9a-f]{32}-passwd"), key);
        String policy = new String(java.util.Base64.getDecoder().decode(fields.get("policy")), StandardCharsets.UTF_8);
        assertTrue(policy.contains("[\"content-length-range\",0," + (5L << 30) + "]"), policy);
        assertTrue(policy.contains("{\"key\":\"" + key + "\"}"), "the exact key: " + policy);
        HttpResponse<String> post = io.s3broker.testing.S3Post.send(url, fields, "hello".getBytes(StandardCharsets.UTF_8));
        assertEquals(204, post.statusCode(), post.body());
        assertEquals("hello", LocalS3Sts.admin().getObject(g -> g.bucket(LocalS3Sts.bucket()).key(key),
                AsyncResponseTransformer.toBytes()).join().asUtf8String());
        assertEquals("text/plain", LocalS3Sts.admin().headObject(h -> h.bucket(LocalS3Sts.bucket()).key(key)).join()
                .contentType());
    }

    @Test
    void anotherCallerCanNeitherListSignCompleteNorAbort() throws Exception {
        String other = "Bearer " + OTHER_KEY;
        ExtractableResponse<Response> created = create(TestAuth.BEARER, "mine.bin", "application/octet-stream")
                .then().statusCode(200).extract();
        String key = created.path("key");
        String uploadId = created.path("uploadId");
        String ownKeyOfOther = create(other, "theirs.bin", "application/octet-stream")
                .then().statusCode(200).extract().path("key");

        // With the first caller's key, and with a key of its own: the upload is not its own either way.
        for (String withKey : List.of(key, ownKeyOfOther)) {
            given().header("Authorization", other).queryParam("key", withKey)
                    .when().get("/s3/multipart/{id}", uploadId).then().statusCode(403).body("error.code", equalTo("AccessDenied"));
            given().header("Authorization", other).queryParam("key", withKey).queryParam("partNumbers", "1")
                    .when().get("/s3/multipart/{id}/batch", uploadId).then().statusCode(403);
            given().header("Authorization", other).queryParam("key", withKey)
                    .when().get("/s3/multipart/{id}/{n}", uploadId, 1).then().statusCode(403);
            given().header("Authorization", other).queryParam("key", withKey).contentType(ContentType.JSON)
                    .body("{\"parts\":[{\"PartNumber\":1,\"ETag\":\"x\"}]}")
                    .when().post("/s3/multipart/{id}/complete", uploadId).then().statusCode(403);
            given().header("Authorization", other).queryParam("key", withKey)
                    .when().delete("/s3/multipart/{id}", uploadId).then().statusCode(403);
        }
        // Keys that only look like the caller's.
        for (String forged : List.of("uploads/other/../test/" + key.substring(key.lastIndexOf('/') + 1),
                "uploads/other/" + key.substring(key.lastIndexOf('/') + 1) + "/x", "uploads/other/x")) {
            given().header("Authorization", other).queryParam("key", forged)
                    .when().delete("/s3/multipart/{id}", uploadId).then().statusCode(403);
        }

        // Untouched: its owner still lists it, then aborts it.
        given().queryParam("key", key).when().get("/s3/multipart/{id}", uploadId).then().statusCode(200).body("", hasSize(0));
        given().queryParam("key", key).when().delete("/s3/multipart/{id}", uploadId).then().statusCode(200)
                .body(equalTo("{}"));
        assertEquals(0, openUploads("uploads/test/").stream().filter(key::equals).count());
    }

    @Test
    void refusesACreateOutsideTheWriteAllowListBeforeAnyCall() {
        long assumeRoles = LocalS3Sts.assumeRoleCount();
        create("Bearer " + OUTSIDER_KEY, "x.bin", "application/octet-stream")
                .then().statusCode(403).body("error.code", equalTo("AccessDenied"));
        given().header("Authorization", "Bearer " + OUTSIDER_KEY).queryParam("filename", "x.bin")
                .when().get("/s3/params").then().statusCode(403);
        assertEquals(assumeRoles, LocalS3Sts.assumeRoleCount(), "no AssumeRole for a denied request");
        assertEquals(List.of(), openUploads("uploads/outsider/"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"0", "1025", "10001", "-1", "1.5", "abc", "99999999999", "+1"})
    void answersBadPartNumbersWith400(String number) {
        String[] upload = createdUpload();
        given().queryParam("key", upload[0]).when().get("/s3/multipart/{id}/{n}", upload[1], number)
                .then().statusCode(400).contentType("application/json").body("error.code", equalTo("InvalidParameter"));
        given().queryParam("key", upload[0]).queryParam("partNumbers", "1," + number)
                .when().get("/s3/multipart/{id}/batch", upload[1])
                .then().statusCode(400).body("error.code", equalTo("InvalidParameter"));
    }

    @Test
    void answersBadBatchesAndBodiesWith400() {
        String[] upload = createdUpload();
        String tooMany = IntStream.rangeClosed(1, 1001).mapToObj(n -> "1").collect(Collectors.joining(","));
        given().queryParam("key", upload[0]).queryParam("partNumbers", tooMany)
                .when().get("/s3/multipart/{id}/batch", upload[1]).then().statusCode(400);
        // The longest batch: 1000 part numbers up to 1024 (the most 5 GiB can need in parts of S3's 5 MiB minimum),
        // commas percent-encoded.
        String thousand = IntStream.rangeClosed(25, 1024).mapToObj(Integer::toString).collect(Collectors.joining(","));
        given().queryParam("key", upload[0]).queryParam("partNumbers", thousand)
                .when().get("/s3/multipart/{id}/batch", upload[1]).then().statusCode(200)
                .body("presignedUrls.size()", equalTo(1000));
        for (String batch : List.of("", "1,,2", ",")) {
            given().queryParam("key", upload[0]).queryParam("partNumbers", batch)
                    .when().get("/s3/multipart/{id}/batch", upload[1]).then().statusCode(400);
        }
        given().when().get("/s3/multipart/{id}/batch", upload[1]).then().statusCode(400)
                .body("error.code", equalTo("MissingParameter"));
        for (String body : List.of("", "not json", "[]", "{\"parts\":[]}", "{\"parts\":[{\"PartNumber\":0,\"ETag\":\"x\"}]}",
                "{\"parts\":[{\"PartNumber\":1}]}", "{\"parts\":[{\"PartNumber\":1,\"ETag\":\"a\"},{\"PartNumber\":1,\"ETag\":\"b\"}]}")) {
            given().queryParam("key", upload[0]).contentType(ContentType.JSON).body(body)
                    .when().post("/s3/multipart/{id}/complete", upload[1])
                    .then().statusCode(400).contentType("application/json");
        }
        for (String body : List.of("{}", "{\"filename\":\"\"}", "{\"filename\":3}", "{\"filename\":\"a\",\"type\":5}",
                "{\"filename\":\"a\",\"type\":\"not a type\"}")) {
            given().contentType(ContentType.JSON).body(body).when().post("/s3/multipart")
                    .then().statusCode(400).contentType("application/json");
        }
        given().when().get("/s3/params").then().statusCode(400).body("error.code", equalTo("MissingParameter"));
    }

    @Test
    void abortsTheUploadsItCreatedOnceAbandoned() {
        String[] upload = createdUpload();
        int aborted = open.abortAbandoned(Instant.now().plus(Duration.ofMinutes(61))).await().atMost(Duration.ofSeconds(30));
        assertTrue(aborted >= 1, "aborted " + aborted);
        CompletionException gone = org.junit.jupiter.api.Assertions.assertThrows(CompletionException.class,
                () -> LocalS3Sts.admin().listParts(l -> l.bucket(LocalS3Sts.bucket()).key(upload[0]).uploadId(upload[1])).join());
        assertTrue(gone.getCause() instanceof NoSuchUploadException
                || (gone.getCause() instanceof S3Exception s3 && s3.statusCode() == 404), gone.toString());
        // The young ones stay.
        String[] young = createdUpload();
        open.abortAbandoned(Instant.now()).await().atMost(Duration.ofSeconds(30));
        given().queryParam("key", young[0]).when().get("/s3/multipart/{id}", young[1]).then().statusCode(200);
    }

    @Test
    void vendsCredentialsInCompanionsShape() {
        given().when().get("/s3/sts")
                .then().statusCode(200).header("Cache-Control", "no-store")
                .body("credentials.AccessKeyId", org.hamcrest.Matchers.notNullValue())
                .body("credentials.SecretAccessKey", org.hamcrest.Matchers.notNullValue())
                .body("credentials.SessionToken", org.hamcrest.Matchers.notNullValue())
                .body("credentials.Expiration", org.hamcrest.Matchers.notNullValue())
                .body("bucket", equalTo(LocalS3Sts.bucket()));
    }

    @Test
    void servesTheUploadPageWithTheVendoredUppy() {
        given().redirects().follow(false).when().get("/upload")
                .then().statusCode(301).header("Location", "upload/");
        given().when().get("/upload/")
                .then().statusCode(200).contentType(org.hamcrest.Matchers.startsWith("text/html"))
                .header("Content-Security-Policy", org.hamcrest.Matchers.containsString("script-src 'self'"))
                .body(org.hamcrest.Matchers.containsString("upload.js"));
        given().when().get("/upload/upload.js")
                .then().statusCode(200).contentType(org.hamcrest.Matchers.startsWith("text/javascript"));
        given().when().get("/upload/vendor/uppy.min.mjs")
                .then().statusCode(200).contentType(org.hamcrest.Matchers.startsWith("text/javascript"));
        given().when().get("/upload/vendor/uppy.min.css")
                .then().statusCode(200).contentType(org.hamcrest.Matchers.startsWith("text/css"));
    }

    @Test
    void wantsACaller() {
        given().header("Authorization", "Bearer wrong").contentType(ContentType.JSON).body("{\"filename\":\"a\"}")
                .when().post("/s3/multipart").then().statusCode(401).body("error.code", equalTo("Unauthorized"));
    }

    private static Response create(String authorization, String filename, String type) {
        return given().header("Authorization", authorization).contentType(ContentType.JSON)
                .body("{\"filename\":" + json(filename) + ",\"type\":" + json(type) + ",\"metadata\":{\"name\":"
                        + json(filename) + "}}")
                .when().post("/s3/multipart");
    }

    private static String[] createdUpload() {
        ExtractableResponse<Response> created = create(TestAuth.BEARER, "f.bin", "application/octet-stream")
                .then().statusCode(200).extract();
        return new String[] { created.path("key"), created.path("uploadId") };
    }

    private static String putPart(String url, byte[] bytes) throws Exception {
        HttpResponse<String> put = HTTP.send(HttpRequest.newBuilder(URI.create(url))
                .PUT(HttpRequest.BodyPublishers.ofByteArray(bytes)).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, put.statusCode(), put.body());
        return put.headers().firstValue("ETag").orElseThrow();
    }

    private static List<String> openUploads(String prefix) {
        return LocalS3Sts.admin().listMultipartUploads(l -> l.bucket(LocalS3Sts.bucket()).prefix(prefix)).join()
                .uploads().stream().map(u -> u.key()).toList();
    }

    private static String json(String text) {
        return "\"" + text.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }

    private static byte[] random(int length) {
        byte[] bytes = new byte[length];
        new java.util.Random(length).nextBytes(bytes);
        bytes[0] = (byte) System.nanoTime();
        return bytes;
    }

    private static byte[] concat(byte[]... arrays) {
        int length = 0;
        for (byte[] a : arrays) {
            length += a.length;
        }
        byte[] all = new byte[length];
        int at = 0;
        for (byte[] a : arrays) {
            System.arraycopy(a, 0, all, at, a.length);
            at += a.length;
        }
        return all;
    }

}
