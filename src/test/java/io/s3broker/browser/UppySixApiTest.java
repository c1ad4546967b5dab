package io.s3broker.browser;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.endsWith;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.notNullValue;
import static org.hamcrest.Matchers.nullValue;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import io.restassured.response.ValidatableResponse;
import io.s3broker.testing.BrowserApiConfig;
import io.s3broker.testing.LocalS3Sts;
import io.s3broker.testing.LocalS3StsResource;
import io.s3broker.testing.RandomBytes;
import io.s3broker.testing.S3As;
import io.s3broker.testing.S3Post;
import io.s3broker.testing.TestAuth;
import software.amazon.awssdk.auth.credentials.AwsSessionCredentials;
import software.amazon.awssdk.core.async.AsyncRequestBody;
import software.amazon.awssdk.core.async.AsyncResponseTransformer;
import software.amazon.awssdk.services.s3.S3AsyncClient;

/**
 * Uppy 6's two authenticated ways against the local RGW: every request {@code signRequest} asks POST /s3/sign for,
 * signed and then sent to S3 as Uppy sends it (the PUTs, POSTs, GET and DELETE with the signed URL, the simple upload
 * as a form with the answered fields); and GET /s3/sts's credentials, which S3 itself confines to the caller's
 * prefix.
 */
@QuarkusTest
@TestProfile(UppySixApiTest.Browsers.class)
@WithTestResource(LocalS3StsResource.class)
class UppySixApiTest {

    static final long MAX = 6L << 20;
    static final String OTHER_KEY = "other-key-0123456789abcdef";
    static final String OTHER = "Bearer " + OTHER_KEY;

    public static class Browsers implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            String bucket = LocalS3Sts.bucket();
            return BrowserApiConfig.with(
                    // More than the upload prefix, so that GET /s3/sts credentials scoped to the whole allow-list
                    // would show.
                    "broker.access.write", bucket + "/uploads/{caller}/," + bucket + "/shared/",
                    "broker.access.read", bucket + "/",
                    "broker.credentials.enabled", "true",
                    "broker.upload.max-size", "6M",
                    "broker.auth.api-keys", TestAuth.apiKeys("other", OTHER_KEY),
                    // The other caller's allow-list covers every upload, so that only the broker's own check of
                    // whose key it is keeps it from the first caller's.
                    "broker.access.callers.\"other\".write", bucket + "/uploads/");
        }
    }

    @Test
    void signsEveryRequestOfAMultipartUploadAndS3TakesEach() throws Exception {
        byte[] first = random(5 << 20);
        byte[] last = random(4321);
        JsonPath created = sign(TestAuth.BEARER, Map.of("method", "POST", "key", "holiday photo.bin"))
                .statusCode(200).header("Cache-Control", "no-store")
                .body("key", startsWith("uploads/test/")).body("key", endsWith("-holiday_photo.bin"))
                .body("fields", nullValue())
                .extract().jsonPath();
        String key = created.getString("key");
        String createUrl = created.getString("url");
        assertHostOnly(createUrl);
        HttpResponse<String> create = send(createUrl, "POST", Map.of("Content-Type", "application/x-test"), new byte[0]);
        assertEquals(200, create.statusCode(), create.body());
        String uploadId = xml(create.body(), "UploadId");

        String etag1 = putPart(TestAuth.BEARER, key, uploadId, 1, first);
        String etag2 = putPart(TestAuth.BEARER, key, uploadId, 2, last);

        String listUrl = sign(TestAuth.BEARER, Map.of("method", "GET", "key", key, "uploadId", uploadId))
                .statusCode(200).body("key", nullValue()).extract().path("url");
        assertHostOnly(listUrl);
        HttpResponse<String> listed = send(listUrl, "GET", Map.of(), null);
        assertEquals(200, listed.statusCode(), listed.body());
        assertTrue(listed.body().contains("<PartNumber>2</PartNumber>"), listed.body());

        String completeUrl = sign(TestAuth.BEARER, Map.of("method", "POST", "key", key, "uploadId", uploadId))
                .statusCode(200).extract().path("url");
        assertHostOnly(completeUrl);
        String parts = "<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>" + etag1 + "</ETag></Part>"
                + "<Part><PartNumber>2</PartNumber><ETag>" + etag2 + "</ETag></Part></CompleteMultipartUpload>";
        HttpResponse<String> completed = send(completeUrl, "POST", Map.of("Content-Type", "application/xml"),
                parts.getBytes(StandardCharsets.UTF_8));
        assertEquals(200, completed.statusCode(), completed.body());

        assertEquals(RandomBytes.sha256(concat(first, last)), RandomBytes.sha256(stored(key)));
        assertEquals("application/x-test", LocalS3Sts.admin().headObject(h -> h.bucket(LocalS3Sts.bucket()).key(key))
                .join().contentType());
    }

    @Test
    void signsAnAbortAndS3DropsTheUpload() {
        String[] upload = createdUpload(TestAuth.BEARER, "dropped.bin");
        putPart(TestAuth.BEARER, upload[0], upload[1], 1, random(1000));
        String abortUrl = sign(TestAuth.BEARER, Map.of("method", "DELETE", "key", upload[0], "uploadId", upload[1]))
                .statusCode(200).extract().path("url");
        assertHostOnly(abortUrl);
        HttpResponse<String> aborted = send(abortUrl, "DELETE", Map.of(), null);
        assertEquals(204, aborted.statusCode(), aborted.body());
        assertFalse(openUploads().contains(upload[1]), "the upload is gone");
    }

    @Test
    void signsASimpleUploadAsAPostPolicyThatS3HoldsToMaxSize() {
        JsonPath signed = sign(TestAuth.BEARER, Map.of("method", "PUT", "key", "notes/today.txt",
                "contentType", "text/plain"))
                .statusCode(200).header("Cache-Control", "no-store")
                .body("fields.Content-Type", equalTo("text/plain"))
                .extract().jsonPath();
        String key = signed.getString("key");
        Map<String, String> fields = signed.getMap("fields", String.class, String.class);
        assertTrue(key.matches("uploads/test/[0-9a-f]{32}-today\\.txt"), key);
        assertEquals(key, fields.get("key"), "Uppy stores under fields.key");
        String policy = new String(Base64.getDecoder().decode(fields.get("policy")), StandardCharsets.UTF_8);
        assertTrue(policy.contains("[\"content-length-range\",0," + MAX + "]"), policy);

        HttpResponse<String> post = S3Post.send(signed.getString("url"), fields, "hello".getBytes(StandardCharsets.UTF_8));
        assertEquals(204, post.statusCode(), post.body());
        assertEquals("hello", new String(stored(key), StandardCharsets.UTF_8));
    }

    @Test
    void s3ItselfRefusesASimpleUploadOverMaxSize() {
        // One byte over broker.upload.max-size: S3 refuses it by the policy's content-length-range, and stores
        // nothing.
        JsonPath tooLarge = sign(TestAuth.BEARER, Map.of("method", "PUT", "key", "big.bin")).statusCode(200)
                .extract().jsonPath();
        HttpResponse<String> over = S3Post.send(tooLarge.getString("url"),
                tooLarge.getMap("fields", String.class, String.class), new byte[(int) MAX + 1]);
        assertEquals(400, over.statusCode(), over.body());
        assertFalse(exists(tooLarge.getString("key")));
    }

    @Test
    void refusesAnotherCallersKeyForEveryRequestOnAnUpload() {
        String[] upload = createdUpload(TestAuth.BEARER, "mine.bin");
        for (Map<String, Object> request : List.<Map<String, Object>>of(
                Map.of("method", "PUT", "key", upload[0], "uploadId", upload[1], "partNumber", 1),
                Map.of("method", "GET", "key", upload[0], "uploadId", upload[1]),
                Map.of("method", "POST", "key", upload[0], "uploadId", upload[1]),
                Map.of("method", "DELETE", "key", upload[0], "uploadId", upload[1]))) {
            sign(OTHER, request).statusCode(403).body("error.code", equalTo("AccessDenied"));
        }
        // A key of its own with the first caller's upload: S3 knows no such upload of that key.
        String own = createdUpload(OTHER, "theirs.bin")[0];
        sign(OTHER, Map.of("method", "PUT", "key", own, "uploadId", upload[1], "partNumber", 1)).statusCode(404);
        // A key that only looks like one of the caller's.
        sign(TestAuth.BEARER, Map.of("method", "PUT", "key", "uploads/test/mine.bin", "uploadId", upload[1],
                "partNumber", 1)).statusCode(403);
        // The owner still may.
        putPart(TestAuth.BEARER, upload[0], upload[1], 1, random(100));
    }

    @Test
    void refusesPartNumbersAboveWhatMaxSizeNeeds() {
        String[] upload = createdUpload(TestAuth.BEARER, "parts.bin");
        // 6 MiB in parts of S3's 5 MiB minimum needs two.
        sign(TestAuth.BEARER, Map.of("method", "PUT", "key", upload[0], "uploadId", upload[1], "partNumber", 3))
                .statusCode(400).body("error.code", equalTo("InvalidParameter"))
                .body("error.message", containsString("1 to 2"));
        sign(TestAuth.BEARER, Map.of("method", "PUT", "key", upload[0], "uploadId", upload[1], "partNumber", 0))
                .statusCode(400).body("error.code", equalTo("InvalidParameter"));
        sign(TestAuth.BEARER, Map.of("method", "PUT", "key", upload[0], "uploadId", upload[1], "partNumber", 2))
                .statusCode(200);
    }

    @Test
    void refusesTheRequestsThatAreNotOfAnUpload() {
        String key = createdUpload(TestAuth.BEARER, "kept.bin")[0];
        long assumeRoles = LocalS3Sts.assumeRoleCount();
        sign(TestAuth.BEARER, Map.of("method", "DELETE", "key", key)).statusCode(403)
                .contentType("application/json").body("error.code", equalTo("OperationNotAllowed"));
        sign(TestAuth.BEARER, Map.of("method", "GET", "key", key)).statusCode(403)
                .body("error.code", equalTo("OperationNotAllowed"));
        assertEquals(assumeRoles, LocalS3Sts.assumeRoleCount(), "no AssumeRole for a refused request");
    }

    @Test
    void answersBadRequestsWith400() {
        sign(TestAuth.BEARER, Map.of("key", "a")).statusCode(400).body("error.code", equalTo("MissingParameter"));
        sign(TestAuth.BEARER, Map.of("method", "PATCH", "key", "a")).statusCode(400)
                .body("error.code", equalTo("InvalidParameter"));
        sign(TestAuth.BEARER, Map.of("method", "PUT", "key", "a", "partNumber", 1)).statusCode(400);
        sign(TestAuth.BEARER, Map.of("method", "PUT", "key", "a", "partNumber", "1", "uploadId", "u")).statusCode(400);
        sign(TestAuth.BEARER, Map.of("method", "PUT", "key", 5)).statusCode(400);
        given().contentType(ContentType.JSON).body("not json").when().post("/s3/sign").then().statusCode(400)
                .body("error.code", equalTo("InvalidRequest"));
        given().header("Authorization", "Bearer wrong").contentType(ContentType.JSON).body("{}")
                .when().post("/s3/sign").then().statusCode(401);
    }

    @Test
    void vendsCredentialsThatS3ConfinesToTheCallersPrefix() {
        JsonPath answer = given().when().get("/s3/sts").then().statusCode(200).header("Cache-Control", "no-store")
                .body("credentials.accessKeyId", notNullValue())
                .body("credentials.expiration", notNullValue())
                .body("region", equalTo(LocalS3Sts.get("BROKER_REGION")))
                .body("bucket", equalTo(LocalS3Sts.bucket()))
                .body("keyPrefix", equalTo("uploads/test/"))
                .extract().jsonPath();
        AwsSessionCredentials credentials = AwsSessionCredentials.create(answer.getString("credentials.accessKeyId"),
                answer.getString("credentials.secretAccessKey"), answer.getString("credentials.sessionToken"));
        String bucket = LocalS3Sts.bucket();
        String run = Long.toHexString(System.nanoTime());
        try (S3AsyncClient s3 = S3As.client(credentials)) {
            assertEquals(200, S3As.status(() -> s3.putObject(p -> p.bucket(bucket).key("uploads/test/sts-" + run),
                    AsyncRequestBody.fromString("mine"))), "under its own prefix");
            assertEquals(403, S3As.status(() -> s3.putObject(p -> p.bucket(bucket).key("uploads/other/sts-" + run),
                    AsyncRequestBody.fromString("x"))), "under another caller's prefix");
            assertEquals(403, S3As.status(() -> s3.putObject(p -> p.bucket(bucket).key("shared/sts-" + run),
                    AsyncRequestBody.fromString("x"))), "elsewhere in its own write allow-list");
            assertEquals(403, S3As.status(() -> s3.getObject(g -> g.bucket(bucket).key("uploads/test/sts-" + run),
                    AsyncResponseTransformer.toBytes())), "reading, even what it wrote");
        }
        assertFalse(exists("uploads/other/sts-" + run));
        assertFalse(exists("shared/sts-" + run));
    }

    private static ValidatableResponse sign(String authorization, Map<String, ?> request) {
        return given().header("Authorization", authorization).contentType(ContentType.JSON).body(request)
                .when().post("/s3/sign").then();
    }

    private static String[] createdUpload(String authorization, String name) {
        String[] upload = new String[2];
        JsonPath created = sign(authorization, Map.of("method", "POST", "key", name)).statusCode(200)
                .extract().jsonPath();
        upload[0] = created.getString("key");
        HttpResponse<String> create = send(created.getString("url"), "POST", Map.of(), new byte[0]);
        assertEquals(200, create.statusCode(), create.body());
        upload[1] = xml(create.body(), "UploadId");
        return upload;
    }

    private static String putPart(String authorization, String key, String uploadId, int number, byte[] bytes) {
        String url = sign(authorization, Map.of("method", "PUT", "key", key, "uploadId", uploadId, "partNumber", number))
                .statusCode(200).body("key", nullValue()).body("url", not(containsString("X-Amz-Signature=&")))
                .extract().path("url");
        assertHostOnly(url);
        HttpResponse<String> put = send(url, "PUT", Map.of(), bytes);
        assertEquals(200, put.statusCode(), put.body());
        return put.headers().firstValue("ETag").orElseThrow();
    }

    /** RGW refuses the CORS preflight of a URL that signs more than host. */
    private static void assertHostOnly(String url) {
        assertTrue(url.contains("X-Amz-SignedHeaders=host&") || url.endsWith("X-Amz-SignedHeaders=host"), url);
    }

    private static HttpResponse<String> send(String url, String method, Map<String, String> headers, byte[] body) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url)).method(method,
                body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(body));
        headers.forEach(request::header);
        return S3As.send(request.build());
    }

    private static String xml(String body, String element) {
        Matcher matcher = Pattern.compile("<" + element + ">([^<]+)</" + element + ">").matcher(body);
        assertTrue(matcher.find(), body);
        return matcher.group(1);
    }

    private static List<String> openUploads() {
        return LocalS3Sts.admin().listMultipartUploads(l -> l.bucket(LocalS3Sts.bucket()).prefix("uploads/")).join()
                .uploads().stream().map(u -> u.uploadId()).toList();
    }

    private static byte[] stored(String key) {
        return LocalS3Sts.admin().getObject(g -> g.bucket(LocalS3Sts.bucket()).key(key),
                AsyncResponseTransformer.toBytes()).join().asByteArray();
    }

    private static boolean exists(String key) {
        return S3As.status(() -> LocalS3Sts.admin().headObject(h -> h.bucket(LocalS3Sts.bucket()).key(key))) == 200;
    }

    private static byte[] random(int length) {
        byte[] bytes = new byte[length];
        new java.util.Random(length).nextBytes(bytes);
        bytes[0] = (byte) System.nanoTime();
        return bytes;
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] all = new byte[a.length + b.length];
        System.arraycopy(a, 0, all, 0, a.length);
        System.arraycopy(b, 0, all, a.length, b.length);
        return all;
    }

}
