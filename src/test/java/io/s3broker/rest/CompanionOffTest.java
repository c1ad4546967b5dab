package io.s3broker.rest;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;

import org.junit.jupiter.api.Test;

import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.s3broker.testing.LocalS3StsResource;

/** Without broker.companion.bucket there is no Companion API and no upload page. */
@QuarkusTest
@WithTestResource(LocalS3StsResource.class)
class CompanionOffTest {

    @Test
    void answers404OnEveryRouteAndServesNoPage() {
        given().contentType(ContentType.JSON).body("{\"filename\":\"a\"}").when().post("/s3/multipart")
                .then().statusCode(404).contentType("application/json").body("error.code", equalTo("NotFound"));
        given().queryParam("filename", "a").when().get("/s3/params").then().statusCode(404);
        given().queryParam("key", "uploads/test/x").when().get("/s3/multipart/id/1").then().statusCode(404);
        given().when().get("/s3/sts").then().statusCode(404);
        given().when().get("/upload/").then().statusCode(404);
        given().when().get("/upload/vendor/uppy.min.mjs").then().statusCode(404);
    }
}
