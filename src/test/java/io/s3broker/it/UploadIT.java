package io.s3broker.it;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import org.junit.jupiter.api.Test;

import io.quarkus.test.junit.QuarkusIntegrationTest;
import io.s3broker.testing.LocalS3Sts;
import io.s3broker.upload.UploadRoundTripTest;

/**
 * The upload endpoints against the packaged broker: every round trip of {@link UploadRoundTripTest} (PUT with a
 * Content-Length, chunked PUT, forms), run again here by inheritance, plus GET /item/upload-url and an error answer.
 * Part of the AOT cache's training run, like every @QuarkusIntegrationTest here.
 */
@QuarkusIntegrationTest
class UploadIT extends UploadRoundTripTest {

    @Test
    void presignsAnUploadUrl() {
        given().queryParam("bucket", LocalS3Sts.bucket()).queryParam("key", "upload-it/presigned")
                .queryParam("contentType", "text/plain").queryParam("expiresIn", 300).queryParam("size", 5)
                .when().get("/item/upload-url")
                .then().statusCode(200)
                .body("success", equalTo(true))
                .body("method", equalTo("PUT"))
                .body("url", containsString("X-Amz-Expires=300"));
    }

    @Test
    void answersAnUploadWithoutABucketWithTheJsonErrorBody() {
        given().queryParam("key", "k").contentType("application/octet-stream").body(new byte[10])
                .when().put("/item")
                .then().statusCode(400)
                .body("success", equalTo(false))
                .body("error.code", equalTo("MissingParameter"));
    }
}
