package io.s3broker.it;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.util.Random;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusIntegrationTest;
import io.s3broker.testing.LocalS3Sts;
import io.s3broker.testing.LocalS3StsResource;
import software.amazon.awssdk.core.async.AsyncResponseTransformer;

/**
 * The upload endpoints against the packaged broker: PUT /item (raw body), POST /item (multipart form) and
 * GET /item/upload-url. Part of the AOT cache's training run, like every @QuarkusIntegrationTest here.
 */
@QuarkusIntegrationTest
@WithTestResource(LocalS3StsResource.class)
class UploadIT {

    @Test
    void putStoresTheRawBody() {
        byte[] body = bytes(3 * 1024 * 1024 + 17);
        String key = "upload-it/put-" + UUID.randomUUID();
        given().queryParam("bucket", LocalS3Sts.bucket()).queryParam("key", key)
                .contentType("application/octet-stream").body(body)
                .when().put("/item")
                .then().statusCode(201)
                .body("success", equalTo(true))
                .body("key", equalTo(key))
                .body("size", equalTo(body.length));
        assertArrayEquals(body, stored(key));
    }

    @Test
    void postStoresTheFilePartOfAForm() {
        byte[] body = bytes(200_000);
        String key = "upload-it/post-" + UUID.randomUUID();
        given().multiPart("bucket", LocalS3Sts.bucket()).multiPart("key", key)
                .multiPart("file", "object.bin", body, "application/octet-stream")
                .when().post("/item")
                .then().statusCode(201)
                .body("success", equalTo(true))
                .body("size", equalTo(body.length));
        assertArrayEquals(body, stored(key));
    }

    @Test
    void presignsAnUploadUrl() {
        given().queryParam("bucket", LocalS3Sts.bucket()).queryParam("key", "upload-it/presigned")
                .queryParam("contentType", "text/plain").queryParam("expiresIn", 300)
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

    private static byte[] bytes(int size) {
        byte[] data = new byte[size];
        new Random(size).nextBytes(data);
        return data;
    }

    private static byte[] stored(String key) {
        return LocalS3Sts.admin().getObject(g -> g.bucket(LocalS3Sts.bucket()).key(key),
                AsyncResponseTransformer.toBytes()).join().asByteArray();
    }
}
