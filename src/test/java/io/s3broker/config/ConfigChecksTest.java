package io.s3broker.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.s3broker.testing.TestConfig;

class ConfigChecksTest {

    static BrokerConfig config(Map<String, String> values) {
        return TestConfig.of(values);
    }

    @Test
    void acceptsTheDefaults() {
        assertEquals(List.of(), ConfigChecks.problems(config(Map.of("broker.role-arn", "arn:aws:iam::123456789012:role/r"))));
    }

    @Test
    void namesEverySettingThatConflicts() {
        List<String> problems = ConfigChecks.problems(config(Map.of(
                "broker.role-arn", "arn:aws:iam::123456789012:role/r",
                "broker.role-session-duration", "15M",
                "broker.presign.default-expiry", "20M",
                "broker.refresh-ahead", "15M",
                "broker.upload.part-size", "4M",
                "broker.upload.max-buffered", "2M",
                "broker.upload.multipart-threshold", "6G")));
        assertEquals(5, problems.size(), problems.toString());
        String all = String.join("\n", problems);
        for (String key : List.of("broker.presign.default-expiry", "broker.refresh-ahead", "broker.upload.part-size",
                "broker.upload.max-buffered", "broker.upload.multipart-threshold")) {
            assertTrue(all.contains(key), key + " in " + all);
        }
    }

    @Test
    void refusesAMaxSizeThatNeedsMoreThanTenThousandParts() {
        List<String> problems = ConfigChecks.problems(config(Map.of(
                "broker.role-arn", "arn:aws:iam::123456789012:role/r",
                "broker.upload.part-size", "8M",
                "broker.upload.max-size", "100G")));
        assertEquals(1, problems.size(), problems.toString());
        assertTrue(problems.get(0).contains("10000 parts"));
    }

    @Test
    void refusesAnUploadIdleTimeoutThatTheConnectionsWouldNotOutlive() {
        BrokerConfig config = config(Map.of("broker.role-arn", "arn:aws:iam::123456789012:role/r",
                "broker.upload.idle-timeout", "2M"));
        assertEquals(List.of(), ConfigChecks.problems(config, Duration.ofMinutes(3)));
        List<String> problems = ConfigChecks.problems(config, Duration.ofMinutes(2));
        assertEquals(1, problems.size(), problems.toString());
        assertTrue(problems.get(0).contains("broker.upload.idle-timeout") && problems.get(0).contains("quarkus.http.idle-timeout"));
    }

    @Test
    void theCompanionKeyPrefixMustHoldTheCallerAsAWholeSegment() {
        for (String prefix : List.of("uploads/", "uploads/{caller}", "uploads/x{caller}/", "{caller}x/",
                "uploads/{caller}/{caller}/", "uploads/{user}/", "up*/{caller}/", "../{caller}/")) {
            List<String> problems = ConfigChecks.problems(config(Map.of("broker.companion.key-prefix", prefix)));
            assertEquals(1, problems.size(), prefix + ": " + problems);
            assertTrue(problems.get(0).startsWith("broker.companion.key-prefix"), problems.get(0));
        }
        for (String prefix : List.of("uploads/{caller}/", "{caller}/", "a/{caller}/b/")) {
            assertEquals(List.of(), ConfigChecks.problems(config(Map.of("broker.companion.key-prefix", prefix))), prefix);
        }
    }
}
