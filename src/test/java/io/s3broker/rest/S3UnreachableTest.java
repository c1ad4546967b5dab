package io.s3broker.rest;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;

import java.io.IOException;
import java.net.ServerSocket;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.s3broker.testing.LocalS3Sts;
import io.s3broker.testing.LocalS3StsResource;

/** STS works but nothing listens where S3 should be: 502, and never a 500. */
@QuarkusTest
@TestProfile(S3UnreachableTest.NothingListens.class)
@WithTestResource(LocalS3StsResource.class)
class S3UnreachableTest {

    public static class NothingListens implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("broker.s3.endpoint", "http://127.0.0.1:" + freePort());
        }
    }

    @Test
    void answersUpstreamError() {
        given().queryParam("bucket", LocalS3Sts.bucket()).queryParam("key", "k")
                .when().get("/item")
                .then().statusCode(502)
                .contentType("application/json")
                .body("error.code", equalTo("UpstreamError"));
    }

    static int freePort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
