package io.s3broker.it;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import org.junit.jupiter.api.Test;

import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusIntegrationTest;
import io.s3broker.testing.LocalS3StsResource;

/** The endpoints an orchestrator and a monitoring system use, against the packaged broker. */
@QuarkusIntegrationTest
@WithTestResource(LocalS3StsResource.class)
class ObservabilityIT {

    @Test
    void isLiveAndReadyWithValidCredentials() {
        given().when().get("/q/health/live").then().statusCode(200).body("status", equalTo("UP"));
        given().when().get("/q/health/ready")
                .then().statusCode(200)
                .body("status", equalTo("UP"))
                .body("checks.find { it.name == 'sts-credentials' }.status", equalTo("UP"));
        given().when().get("/q/health").then().statusCode(200).body("status", equalTo("UP"));
    }

    @Test
    void exportsPrometheusMetrics() {
        given().when().get("/q/metrics")
                .then().statusCode(200)
                .body(containsString("broker_sts_assume_role_total"))
                .body(containsString("jvm_memory_used_bytes"));
    }

    @Test
    void servesTheOpenApiDocument() {
        given().accept("application/json").when().get("/q/openapi")
                .then().statusCode(200)
                .body("info.title", equalTo("s3-sts-broker"))
                .body("paths", org.hamcrest.Matchers.hasKey("/item"));
        given().when().get("/q/openapi").then().statusCode(200).body(containsString("openapi:"));
    }
}
