package io.s3broker.rest;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.s3broker.testing.LocalS3Sts;
import io.s3broker.testing.LocalS3StsResource;

@QuarkusTest
@WithTestResource(LocalS3StsResource.class)
class ObservabilityTest {

    @Test
    void isReadyWithValidCredentials() {
        given().when().get("/q/health/ready")
                .then().statusCode(200)
                .body("status", equalTo("UP"))
                .body("checks.find { it.name == 'sts-credentials' }.status", equalTo("UP"));
        given().when().get("/q/health/live").then().statusCode(200).body("status", equalTo("UP"));
    }

    @Test
    void exportsTheBrokersMetricsInPrometheusFormat() {
        given().queryParam("bucket", LocalS3Sts.bucket()).queryParam("key", "metrics-probe")
                .when().get("/item").then().statusCode(404);

        String metrics = given().when().get("/q/metrics").then().statusCode(200).extract().asString();
        assertTrue(metrics.contains("broker_sts_assume_role_total{outcome=\"success\"}"), metrics);
        assertTrue(metrics.contains("broker_s3_requests_seconds_count{operation=\"HeadObject\",outcome=\"4xx\"}"), metrics);
        assertTrue(metrics.contains("http_server_requests_seconds_count"), metrics);
        Matcher expiry = Pattern.compile("(?m)^broker_credentials_expiry_seconds ([0-9.E]+)$").matcher(metrics);
        assertTrue(expiry.find(), metrics);
        double seconds = Double.parseDouble(expiry.group(1));
        assertTrue(seconds > 3000 && seconds <= 3600, "seconds until expiry: " + seconds);
    }

    @Test
    void metricsCarryNoSecret() {
        given().when().get("/q/metrics")
                .then().statusCode(200)
                .body(org.hamcrest.Matchers.not(containsString(LocalS3Sts.get("AWS_SECRET_ACCESS_KEY"))));
    }
}
