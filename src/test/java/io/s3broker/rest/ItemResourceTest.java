package io.s3broker.rest;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import io.restassured.response.ExtractableResponse;
import io.restassured.response.Response;
import io.s3broker.testing.BrokerSecrets;
import io.s3broker.testing.LocalS3Sts;
import io.s3broker.testing.LocalS3StsResource;
import io.s3broker.testing.TestAuth;
import software.amazon.awssdk.core.async.AsyncRequestBody;

@QuarkusTest
@WithTestResource(LocalS3StsResource.class)
public class ItemResourceTest {

    static final String CONTENT = "hello from the broker test " + UUID.randomUUID();
    static String bucket;
    static String key;

    @BeforeAll
    static void putObject() {
        bucket = LocalS3Sts.bucket();
        key = "item-test/" + UUID.randomUUID() + "/hello world ü.txt";
        LocalS3Sts.admin().putObject(p -> p.bucket(bucket).key(key).contentType("text/plain"),
                AsyncRequestBody.fromString(CONTENT)).join();
    }

    @Test
    void presignsAnExistingObjectWithAUrlThatDownloadsIt() throws Exception {
        Instant before = Instant.now();
        ExtractableResponse<Response> answer = given().queryParam("bucket", bucket).queryParam("key", key)
                .when().get("/item")
                .then().statusCode(200)
                .contentType("application/json")
                .header("Cache-Control", "no-store")
                .body("success", equalTo(true))
                .body("bucket", equalTo(bucket))
                .body("key", equalTo(key))
                .body("url", startsWith(LocalS3Sts.get("LOCAL_S3STS_ENDPOINT") + "/" + bucket + "/"))
                .body("url", containsString("X-Amz-Expires=2400"))
                .extract();

        Instant expiresAt = Instant.parse(answer.path("expiresAt"));
        assertWithin(before.plusSeconds(2400), expiresAt, Duration.ofSeconds(5));

        HttpResponse<String> download = fetch(answer.path("url"));
        assertEquals(200, download.statusCode());
        assertEquals(CONTENT, download.body());
    }

    @Test
    void presignsKeysWithCharactersThatNeedEncoding() throws Exception {
        String odd = "item-test/" + UUID.randomUUID() + "/a b+c%d~e=f&g?h#i;j,k'l(m)n!o*p@q$r ü 漢 😀/x.txt";
        LocalS3Sts.admin().putObject(p -> p.bucket(bucket).key(odd), AsyncRequestBody.fromString(CONTENT)).join();
        String url = given().queryParam("bucket", bucket).queryParam("key", odd)
                .when().get("/item")
                .then().statusCode(200)
                .body("key", equalTo(odd))
                .extract().path("url");
        HttpResponse<String> download = fetch(url);
        assertEquals(200, download.statusCode(), download.body());
        assertEquals(CONTENT, download.body());
    }

    @Test
    void honoursExpiresIn() {
        Instant before = Instant.now();
        String expiresAt = given().queryParam("bucket", bucket).queryParam("key", key).queryParam("expiresIn", 60)
                .when().get("/item")
                .then().statusCode(200)
                .body("url", containsString("X-Amz-Expires=60"))
                .extract().path("expiresAt");
        assertWithin(before.plusSeconds(60), Instant.parse(expiresAt), Duration.ofSeconds(5));
    }

    @Test
    void answersNoSuchKeyForAMissingObject() {
        given().queryParam("bucket", bucket).queryParam("key", "no/such/key-" + UUID.randomUUID())
                .when().get("/item")
                .then().statusCode(404)
                .body("success", equalTo(false))
                .body("error.code", equalTo("NoSuchKey"));
    }

    @Test
    void answersNoSuchBucketForAMissingBucket() {
        given().queryParam("bucket", LocalS3StsResource.MISSING_BUCKET).queryParam("key", "k")
                .when().get("/item")
                .then().statusCode(404)
                .body("error.code", equalTo("NoSuchBucket"));
    }

    @Test
    void presignsWithoutCheckingWhenAskedTo() {
        given().queryParam("bucket", bucket).queryParam("key", "not-there-" + UUID.randomUUID()).queryParam("check", "false")
                .when().get("/item")
                .then().statusCode(200)
                .body("success", equalTo(true));
    }

    @Test
    void servesARequestedRegionWithItsOwnClient() throws Exception {
        String url = given().queryParam("bucket", bucket).queryParam("key", key).queryParam("region", "eu-west-1")
                .when().get("/item")
                .then().statusCode(200)
                .body("url", containsString("%2Feu-west-1%2Fs3%2Faws4_request"))
                .extract().path("url");
        assertEquals(CONTENT, fetch(url).body());
    }

    @Test
    void rejectsMissingParametersBeforeAnyNetworkCall() {
        given().queryParam("key", "k").when().get("/item")
                .then().statusCode(400).body("error.code", equalTo("MissingParameter"))
                .body("error.message", containsString("bucket"));
        given().queryParam("bucket", bucket).when().get("/item")
                .then().statusCode(400).body("error.code", equalTo("MissingParameter"))
                .body("error.message", containsString("key"));
        given().when().get("/item")
                .then().statusCode(400).body("error.code", equalTo("MissingParameter"));
    }

    @Test
    void rejectsInvalidParameters() {
        expectInvalid("bucket", "Bad_Bucket", "key", "k");
        expectInvalid("bucket", "ab", "key", "k");
        expectInvalid("bucket", "192.168.1.1", "key", "k");
        expectInvalid("bucket", bucket, "key", "x".repeat(1025));
        expectInvalid("bucket", bucket, "key", "bad\u0001key");
        expectInvalid("bucket", bucket, "key", "k", "region", "not a region");
        expectInvalid("bucket", bucket, "key", "k", "expiresIn", "abc");
        expectInvalid("bucket", bucket, "key", "k", "expiresIn", "0");
        expectInvalid("bucket", bucket, "key", "k", "expiresIn", "-5");
        expectInvalid("bucket", bucket, "key", "k", "check", "maybe");
    }

    @Test
    void rejectsAnExpiryTheRoleSessionCannotCover() {
        given().queryParam("bucket", bucket).queryParam("key", key).queryParam("expiresIn", 3601)
                .when().get("/item")
                .then().statusCode(400)
                .body("error.code", equalTo("InvalidParameter"))
                .body("error.message", containsString("3600"));
    }

    @Test
    void answersJsonForUnknownPathsAndMethods() {
        given().when().get("/no-such-path")
                .then().statusCode(404).contentType("application/json").body("error.code", equalTo("NotFound"));
        given().when().delete("/item")
                .then().statusCode(405).contentType("application/json").body("error.code", equalTo("MethodNotAllowed"));
    }

    @Test
    void presignsAnUploadUrlThatAcceptsTheObject() throws Exception {
        String target = "item-test/" + UUID.randomUUID() + "/direct.txt";
        ExtractableResponse<Response> answer = given().queryParam("bucket", bucket).queryParam("key", target)
                .queryParam("contentType", "text/plain").queryParam("expiresIn", 300)
                .queryParam("size", CONTENT.length())
                .when().get("/item/upload-url")
                .then().statusCode(200)
                .header("Cache-Control", "no-store")
                .body("success", equalTo(true))
                .body("method", equalTo("PUT"))
                .body("headers.content-type", equalTo("text/plain"))
                .body("headers.content-length", equalTo(Integer.toString(CONTENT.length())))
                .body("url", containsString("X-Amz-Expires=300"))
                .body("url", containsString("X-Amz-SignedHeaders=content-length%3Bcontent-type%3Bhost"))
                .extract();

        HttpResponse<String> put = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(answer.path("url")))
                .header("Content-Type", "text/plain")
                .PUT(HttpRequest.BodyPublishers.ofString(CONTENT)).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, put.statusCode(), put.body());
        assertEquals(CONTENT, LocalS3Sts.admin().getObject(g -> g.bucket(bucket).key(target),
                software.amazon.awssdk.core.async.AsyncResponseTransformer.toBytes()).join().asUtf8String());

        HttpResponse<String> wrongType = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(answer.path("url")))
                .header("Content-Type", "application/json")
                .PUT(HttpRequest.BodyPublishers.ofString("{}")).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(403, wrongType.statusCode(), "the content type is part of the signature");
    }

    /** S3 itself holds the size: the URL is signed with the Content-Length, and RGW refuses any other length. */
    @Test
    void anUploadUrlTakesExactlyItsSize() throws Exception {
        String target = "item-test/" + UUID.randomUUID() + "/sized.bin";
        String url = given().queryParam("bucket", bucket).queryParam("key", target).queryParam("size", 1000)
                .when().get("/item/upload-url")
                .then().statusCode(200).extract().path("url");
        HttpClient http = HttpClient.newHttpClient();
        for (int length : new int[] { 2000, 999, 0 }) {
            HttpResponse<String> put = http.send(HttpRequest.newBuilder(URI.create(url))
                    .PUT(HttpRequest.BodyPublishers.ofByteArray(new byte[length])).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(403, put.statusCode(), length + " bytes to a URL signed for 1000: " + put.body());
        }
        assertEquals(404, LocalS3Sts.admin().headObject(h -> h.bucket(bucket).key(target)).handle((ok, error) ->
                error == null ? 200 : 404).join(), "nothing stored");
        HttpResponse<String> exact = http.send(HttpRequest.newBuilder(URI.create(url))
                .PUT(HttpRequest.BodyPublishers.ofByteArray(new byte[1000])).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, exact.statusCode(), exact.body());
        assertEquals(1000L, LocalS3Sts.admin().headObject(h -> h.bucket(bucket).key(target)).join().contentLength());
    }

    @Test
    void anUploadUrlOverTheMaxSizeIs413WithoutSigning() {
        String over = Long.toString((5L << 30) + 1);
        given().queryParam("bucket", bucket).queryParam("key", "item-test/too-large").queryParam("size", over)
                .when().get("/item/upload-url")
                .then().statusCode(413).body("error.code", equalTo("PayloadTooLarge"))
                .body("error.message", containsString("broker.upload.max-size"))
                .body(org.hamcrest.Matchers.not(containsString("X-Amz")));
        given().queryParam("bucket", bucket).queryParam("key", "item-test/max").queryParam("size", 5L << 30)
                .when().get("/item/upload-url")
                .then().statusCode(200).body("headers.content-length", equalTo(Long.toString(5L << 30)));
        for (String bad : List.of("", "-1", "1.5", "1e3", "abc", "99999999999999999999")) {
            given().queryParam("bucket", bucket).queryParam("key", "k").queryParam("size", bad)
                    .when().get("/item/upload-url")
                    .then().statusCode(400).body("error.code", equalTo(bad.isEmpty() ? "MissingParameter"
                            : "InvalidParameter"));
        }
    }

    @Test
    void validatesTheUploadUrlRequest() {
        given().queryParam("bucket", bucket).queryParam("key", "k").queryParam("contentType", "not a type")
                .when().get("/item/upload-url")
                .then().statusCode(400).body("error.code", equalTo("InvalidParameter"));
        given().queryParam("bucket", bucket)
                .when().get("/item/upload-url")
                .then().statusCode(400).body("error.code", equalTo("MissingParameter"));
        given().queryParam("bucket", bucket).queryParam("key", "k")
                .when().get("/item/upload-url")
                .then().statusCode(400).body("error.code", equalTo("MissingParameter"))
                .body("error.message", containsString("size"));
        given().queryParam("bucket", bucket).queryParam("key", "k").queryParam("expiresIn", 999999)
                .when().get("/item/upload-url")
                .then().statusCode(400).body("error.code", equalTo("InvalidParameter"));
    }

    @Test
    void neverLeaksASecretInTheAnswer() {
        List<String> secrets = null;
        for (String path : List.of("/item", "/item/upload-url")) {
            String body = given().queryParam("bucket", bucket).queryParam("key", key).queryParam("size", 1)
                    .when().get(path)
                    .then().statusCode(200)
                    .extract().asString();
            secrets = secrets == null ? secrets() : secrets;
            // The URL carries the session token by design (X-Amz-Security-Token), and nothing else secret.
            String url = JsonPath.from(body).getString("url");
            String rest = body.replace(url, "") + url.replaceAll("X-Amz-Security-Token=[^&]*", "");
            assertTrue(url.contains("X-Amz-Security-Token=") && !rest.contains("X-Amz-Security-Token="), rest);
            for (String secret : secrets) {
                assertFalse(rest.contains(secret), path + " answers a secret: " + secret.substring(0, 4) + "…");
            }
        }
    }

    /**
     * What the answers must never carry: the broker's keys and the secret key and token of every scope's session,
     * as this JVM's broker holds them (after a request, so that they exist).
     */
    protected List<String> secrets() {
        return BrokerSecrets.all();
    }

    static void expectInvalid(String... params) {
        var request = given();
        for (int i = 0; i < params.length; i += 2) {
            request.queryParam(params[i], params[i + 1]);
        }
        request.when().get("/item")
                .then().statusCode(400)
                .contentType("application/json")
                .body("success", equalTo(false))
                .body("error.code", equalTo("InvalidParameter"));
    }

    static HttpResponse<String> fetch(String url) throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(url)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
    }

    static void assertWithin(Instant expected, Instant actual, Duration tolerance) {
        assertTrue(Duration.between(expected, actual).abs().compareTo(tolerance) <= 0,
                "expected about " + expected + " but was " + actual);
    }
}
