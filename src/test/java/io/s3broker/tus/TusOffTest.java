package io.s3broker.tus;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;

import org.junit.jupiter.api.Test;

import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.s3broker.testing.LocalS3StsResource;

/** Without broker.tus.bucket there is no tus endpoint: every request to it is the JSON 404 of a path that is none. */
@QuarkusTest
@WithTestResource(LocalS3StsResource.class)
class TusOffTest {

    @Test
    void everyRequestIsNotFound() {
        given().header("Tus-Resumable", "1.0.0").header("Upload-Length", "10")
                .when().post("/files/").then().statusCode(404).body("error.code", equalTo("NotFound"));
        given().header("Tus-Resumable", "1.0.0").header("Upload-Offset", "0")
                .contentType("application/offset+octet-stream").body(new byte[10])
                .when().patch("/files/some-id").then().statusCode(404);
        given().header("Tus-Resumable", "1.0.0").when().delete("/files/some-id").then().statusCode(404);
    }
}
