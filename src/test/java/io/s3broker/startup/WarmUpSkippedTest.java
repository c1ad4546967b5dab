package io.s3broker.startup;

import static io.s3broker.startup.WarmUpProfiles.until;
import static org.hamcrest.Matchers.is;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.s3broker.testing.LocalS3StsResource;
import io.s3broker.testing.Management;

/** On, but with no literal read entry: skipped with one INFO line that says why, and readiness does not wait. */
@QuarkusTest
@TestProfile(WarmUpProfiles.NoReadEntry.class)
@WithTestResource(LocalS3StsResource.class)
class WarmUpSkippedTest {

    @Inject
    WarmUp warmUp;

    @Test
    void skippedWithItsReasonAndReadinessDoesNotWait() {
        assertEquals(WarmUp.State.OFF, warmUp.state());
        until("the skip line", Duration.ofSeconds(10), () -> WarmUpEndsTest.log().lines().anyMatch(line ->
                line.contains("INFO") && line.contains("Warm-up skipped: broker.access.read has no literal entry")));
        Management.given().get("/q/health/ready").then().statusCode(200)
                .body("checks.find { it.name == 'warm-up' }.status", is("UP"))
                .body("checks.find { it.name == 'warm-up' }.data.state", is("off"));
    }
}
