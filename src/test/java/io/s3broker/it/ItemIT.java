package io.s3broker.it;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.UUID;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusIntegrationTest;
import io.s3broker.testing.LocalS3Sts;
import io.s3broker.testing.LocalS3StsResource;
import software.amazon.awssdk.core.async.AsyncRequestBody;

/**
 * GET /item against the packaged broker (the fast-jar, or the native executable with -Dnative), the way a client
 * sees it. These runs are also the training run of the AOT cache ({@code -Dquarkus.package.jar.aot.enabled=true}):
 * what they exercise is what starts fast, so they go through the success path and the error answers.
 */
@QuarkusIntegrationTest
@WithTestResource(LocalS3StsResource.class)
class ItemIT {

    static final String CONTENT = "hello from the packaged broker " + UUID.randomUUID();
    static String bucket;
    static String key;

    @BeforeAll
    static void putObject() {
        bucket = LocalS3Sts.bucket();
        key = "item-it/" + UUID.randomUUID() + "/hello.txt";
        LocalS3Sts.admin().putObject(p -> p.bucket(bucket).key(key).contentType("text/plain"),
                AsyncRequestBody.fromString(CONTENT)).join();
    }

    @Test
    void presignsAnExistingObjectWithAUrlThatDownloadsIt() throws Exception {
        String url = given().queryParam("bucket", bucket).queryParam("key", key)
                .when().get("/item")
                .then().statusCode(200)
                .contentType("application/json")
                .header("Cache-Control", "no-store")
                .body("success", equalTo(true))
                .body("bucket", equalTo(bucket))
                .body("key", equalTo(key))
                .body("url", startsWith(LocalS3Sts.get("LOCAL_S3STS_ENDPOINT") + "/" + bucket + "/"))
                .extract().path("url");

        HttpResponse<String> download = HttpClient.newHttpClient().send(
                HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, download.statusCode());
        assertEquals(CONTENT, download.body());
    }

    @Test
    void presignsWithoutTheExistenceCheck() {
        given().queryParam("bucket", bucket).queryParam("key", "item-it/not-checked").queryParam("check", "false")
                .queryParam("expiresIn", 60)
                .when().get("/item")
                .then().statusCode(200)
                .body("url", containsString("X-Amz-Expires=60"));
    }

    @Test
    void answersAMissingObjectWithTheJsonErrorBody() {
        given().queryParam("bucket", bucket).queryParam("key", "item-it/" + UUID.randomUUID())
                .when().get("/item")
                .then().statusCode(404)
                .contentType("application/json")
                .body("success", equalTo(false))
                .body("error.code", equalTo("NoSuchKey"));
    }

    @Test
    void answersAMissingParameterWithTheJsonErrorBody() {
        given().queryParam("key", "k")
                .when().get("/item")
                .then().statusCode(400)
                .contentType("application/json")
                .body("success", equalTo(false))
                .body("error.code", equalTo("MissingParameter"));
    }

    @Test
    void answersAnUnknownPathWithTheJsonErrorBody() {
        given().when().get("/no-such-path")
                .then().statusCode(404)
                .body("success", equalTo(false))
                .body("error.code", equalTo("NotFound"));
    }
}
