package io.s3broker.rest;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasKey;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.s3broker.testing.BrokerSecrets;
import io.s3broker.testing.LocalS3Sts;
import io.s3broker.testing.LocalS3StsResource;
import io.s3broker.testing.Management;

@QuarkusTest
@WithTestResource(LocalS3StsResource.class)
public class ObservabilityTest {

    @Test
    void isReadyWithValidCredentials() {
        Management.given().when().get("/q/health/ready")
                .then().statusCode(200)
                .body("status", equalTo("UP"))
                .body("checks.find { it.name == 'sts-credentials' }.status", equalTo("UP"));
        Management.given().when().get("/q/health/live").then().statusCode(200).body("status", equalTo("UP"));
        Management.given().when().get("/q/health/started").then().statusCode(200).body("status", equalTo("UP"));
        Management.given().when().get("/q/health").then().statusCode(200).body("status", equalTo("UP"));
    }

    @Test
    void healthAndMetricsAreNotOnThePublicPort() {
        for (String path : List.of("/q/health", "/q/health/live", "/q/health/ready", "/q/health/started", "/q/metrics",
                "/q/metrics/", "/q/health/ready/")) {
            given().when().get(path)
                    .then().statusCode(404)
                    .contentType("application/json")
                    .body("success", equalTo(false))
                    .body("error.code", equalTo("NotFound"));
        }
    }

    @Test
    void exportsTheBrokersMetricsInPrometheusFormat() {
        given().queryParam("bucket", LocalS3Sts.bucket()).queryParam("key", "metrics-probe")
                .when().get("/item").then().statusCode(404);

        String metrics = Management.given().when().get("/q/metrics").then().statusCode(200).extract().asString();
        assertTrue(metrics.contains("broker_sts_assume_role_total{outcome=\"success\"}"), metrics);
        assertTrue(metrics.contains("broker_s3_requests_seconds_count{operation=\"HeadObject\",outcome=\"4xx\"}"), metrics);
        assertTrue(metrics.contains("http_server_requests_seconds_count"), metrics);
        assertTrue(metrics.contains("jvm_memory_used_bytes"), metrics);
        Matcher expiry = Pattern.compile("(?m)^broker_credentials_expiry_seconds ([0-9.E]+)$").matcher(metrics);
        assertTrue(expiry.find(), metrics);
        double seconds = Double.parseDouble(expiry.group(1));
        assertTrue(seconds > 3000 && seconds <= 3600, "seconds until expiry: " + seconds);
    }

    @Test
    void metricsCarryNoSecret() {
        given().queryParam("bucket", LocalS3Sts.bucket()).queryParam("key", "metrics-probe").queryParam("check", "false")
                .when().get("/item").then().statusCode(200);
        String metrics = Management.given().when().get("/q/metrics").then().statusCode(200).extract().asString();
        for (String secret : secrets()) {
            assertFalse(metrics.contains(secret), "the metrics carry a secret: " + secret.substring(0, 4) + "…");
        }
    }

    @Test
    void servesTheOpenApiDocument() {
        given().accept("application/json").when().get("/q/openapi")
                .then().statusCode(200)
                .body("info.title", equalTo("s3-sts-broker"))
                .body("paths", hasKey("/item"));
        given().when().get("/q/openapi").then().statusCode(200).body(containsString("openapi:"));
    }

    /** The broker's keys and every scope's session secret key and token, as this JVM's broker holds them. */
    protected List<String> secrets() {
        return BrokerSecrets.all();
    }
}
