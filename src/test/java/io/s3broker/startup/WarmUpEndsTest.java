package io.s3broker.startup;

import static io.s3broker.startup.WarmUpProfiles.until;
import static org.hamcrest.Matchers.is;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.s3broker.testing.LocalS3StsResource;
import io.s3broker.testing.Management;

/**
 * A short warm-up ends by itself when its duration has passed: readiness turns UP with its check UP, its secret is
 * dropped, and one INFO line sums it up, with the requests it made and no error.
 */
@QuarkusTest
@TestProfile(WarmUpProfiles.Short.class)
@WithTestResource(LocalS3StsResource.class)
class WarmUpEndsTest {

    /** Quarkus starts a new file at each boot. */
    static final Path LOG = Path.of("target", "quarkus-test.log");

    @Inject
    WarmUp warmUp;

    @Test
    void endsAfterItsDurationAndReadinessTurnsUp() {
        until("readiness UP", Duration.ofSeconds(60),
                () -> Management.given().get("/q/health/ready").statusCode() == 200);
        Management.given().get("/q/health/ready").then()
                .body("checks.find { it.name == 'warm-up' }.status", is("UP"))
                .body("checks.find { it.name == 'warm-up' }.data.state", is("done"));
        assertEquals(WarmUp.State.DONE, warmUp.state());
        assertNull(warmUp.authorization(), "the secret is forgotten");
        assertEquals(0, warmUp.failed());
        assertTrue(warmUp.answered() > 0, "it made requests");
        until("the summary line", Duration.ofSeconds(10), () -> log().lines().anyMatch(line -> line.contains(
                "Warm-up done after") && line.contains("its duration passed: " + warmUp.answered()
                        + " requests answered, 0 errors")));
    }

    static String log() {
        try {
            return Files.readString(LOG);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
