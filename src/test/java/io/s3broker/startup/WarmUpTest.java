package io.s3broker.startup;

import static io.s3broker.startup.WarmUpProfiles.until;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.is;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import jakarta.inject.Inject;

import org.jboss.logmanager.ExtLogRecord;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.RestAssured;
import io.s3broker.access.Audit;
import io.s3broker.testing.LocalS3Sts;
import io.s3broker.testing.LocalS3StsResource;
import io.s3broker.testing.Management;
import io.s3broker.testing.TestAuth;

/**
 * The warm-up while it runs (a long one, which the last test ends as shutdown would): readiness DOWN with the
 * warm-up's check and liveness UP; its requests, exempt from the callers' rate limit, which really go through the public stack, leave no access-log or
 * audit line while a caller's request beside them leaves both; its secret serves from loopback while it runs and is
 * a 401 once it has ended, when readiness turns UP.
 */
@QuarkusTest
@TestProfile(WarmUpProfiles.Running.class)
@WithTestResource(LocalS3StsResource.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class WarmUpTest {

    private static final Duration WITHIN = Duration.ofSeconds(60);

    @Inject
    WarmUp warmUp;

    @Test
    @Order(1)
    void readinessIsDownWhileItRunsAndLivenessIsUp() {
        long before = warmUp.answered();
        until("warm-up requests answered", WITHIN, () -> warmUp.answered() >= before + 20);
        Management.given().get("/q/health/ready").then().statusCode(503)
                .body("checks.find { it.name == 'warm-up' }.status", is("DOWN"))
                .body("checks.find { it.name == 'warm-up' }.data.state", is("warming up"));
        Management.given().get("/q/health/live").then().statusCode(200);
        assertEquals(0, warmUp.failed(), "no warm-up request failed, none limited by the rate limit");
    }

    @Test
    @Order(2)
    void itsRequestsLeaveNoAccessOrAuditLine() {
        Capture capture = new Capture();
        List<Logger> loggers = List.of(Logger.getLogger("s3broker.access"), Logger.getLogger(Audit.CATEGORY));
        loggers.forEach(logger -> logger.addHandler(capture));
        try {
            long before = warmUp.answered();
            until("50 more warm-up requests answered", WITHIN, () -> warmUp.answered() >= before + 50);
            // A caller's request beside them: both its lines are captured, so the capture works.
            String own = "warm-up-test-" + UUID.randomUUID();
            RestAssured.given().queryParam("bucket", LocalS3Sts.bucket()).queryParam("key", own)
                    .queryParam("check", "false").get("/item").then().statusCode(200);
            until("the caller's access and audit lines", WITHIN, () -> capture.lines.stream()
                    .filter(line -> line.contains(own)).map(line -> line.startsWith("s3broker.access")).distinct()
                    .count() == 2);
            List<String> warmUpLines = capture.lines.stream().filter(line -> line.contains(WarmUp.KEY)).toList();
            assertEquals(List.of(), warmUpLines, "no line of the warm-up's requests");
        } finally {
            loggers.forEach(logger -> logger.removeHandler(capture));
        }
    }

    @Test
    @Order(3)
    void itsSecretServesWhileItRunsAndIsRefusedOnceItEnded() {
        String secret = warmUp.authorization();
        assertNotNull(secret, "the warm-up holds its secret while it runs");
        String path = "/item?bucket=" + LocalS3Sts.bucket() + "&key=warm-up-test%2Fsecret&check=false";
        RestAssured.given().header("Authorization", secret).get(path).then().statusCode(200);

        warmUp.end("the test ends it");

        RestAssured.given().header("Authorization", secret).get(path).then().statusCode(401)
                .body("error.code", is("Unauthorized"));
        RestAssured.given().header("Authorization", TestAuth.BEARER).get(path).then().statusCode(200);
        until("readiness UP", WITHIN, () -> Management.given().get("/q/health/ready").statusCode() == 200);
        Management.given().get("/q/health/ready").then()
                .body("checks.name", hasItem("warm-up"))
                .body("checks.find { it.name == 'warm-up' }.status", is("UP"));
        assertTrue(!warmUp.warming() && warmUp.authorization() == null);
    }

    /** Every record of the categories it is added to, as "category message". */
    static final class Capture extends Handler {
        final List<String> lines = new CopyOnWriteArrayList<>();

        @Override
        public void publish(LogRecord record) {
            lines.add(record.getLoggerName() + " " + ((ExtLogRecord) record).getFormattedMessage());
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    }
}
