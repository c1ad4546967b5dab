package io.s3broker.rest;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.not;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.s3broker.testing.LocalS3Sts;
import io.s3broker.testing.LocalS3StsResource;
import io.s3broker.testing.Management;

/** A role the broker may not assume: no credentials can be had, so requests get 503 and readiness is DOWN. */
@QuarkusTest
@TestProfile(StsFailureTest.UnknownRole.class)
@WithTestResource(LocalS3StsResource.class)
class StsFailureTest {

    public static class UnknownRole implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("broker.role-arn", "arn:aws:iam:::role/no-such-role",
                    "broker.sts.retry-backoff", "0.05S",
                    "broker.sts.retry-max-backoff", "0.1S");
        }
    }

    @Test
    void answersCredentialsUnavailableWithoutLeakingDetails() {
        given().queryParam("bucket", LocalS3Sts.bucket()).queryParam("key", "k")
                .when().get("/item")
                .then().statusCode(503)
                .contentType("application/json")
                .body("success", equalTo(false))
                .body("error.code", equalTo("CredentialsUnavailable"))
                .body(not(containsString("Exception")));
    }

    @Test
    void isNotReady() {
        Management.given().when().get("/q/health/ready")
                .then().statusCode(503)
                .body("status", equalTo("DOWN"))
                .body("checks.find { it.name == 'sts-credentials' }.status", equalTo("DOWN"));
        Management.given().when().get("/q/health/live").then().statusCode(200);
    }

    @Test
    void countsTheFailures() throws InterruptedException {
        double before = assumeRoles("failure");
        // Each request past the short backoff makes the cache try STS again, and fail again.
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (assumeRoles("failure") <= before && System.nanoTime() < deadline) {
            given().queryParam("bucket", LocalS3Sts.bucket()).queryParam("key", "k").get("/item").then().statusCode(503);
            Thread.sleep(150);
        }
        assertTrue(assumeRoles("failure") > before, "failed AssumeRole calls are counted");
        assertEquals(0.0, assumeRoles("success"));
    }

    /** The value of broker_sts_assume_role_total for {@code outcome}; fails if the meter is not exported. */
    private static double assumeRoles(String outcome) {
        String metrics = Management.given().when().get("/q/metrics").then().statusCode(200).extract().asString();
        Matcher value = Pattern.compile("(?m)^broker_sts_assume_role_total\\{outcome=\"" + outcome + "\",?} (\\S+)$")
                .matcher(metrics);
        assertTrue(value.find(), "broker_sts_assume_role_total{outcome=\"" + outcome + "\"} in " + metrics);
        return Double.parseDouble(value.group(1));
    }
}
