package io.s3broker.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.util.List;

import org.junit.jupiter.api.Test;

import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.s3broker.testing.LocalS3Sts;
import io.s3broker.testing.LocalS3StsResource;
import io.s3broker.testing.TestAuth;

/** AssumeRole failing (a role the broker may not assume): its warnings carry neither the broker's keys nor the API key. */
@QuarkusTest
@TestProfile(NoSecretsInLogsWhenStsFailsTest.UnknownRole.class)
@WithTestResource(LocalS3StsResource.class)
class NoSecretsInLogsWhenStsFailsTest {

    public static class UnknownRole implements io.quarkus.test.junit.QuarkusTestProfile {
        @Override
        public java.util.Map<String, String> getConfigOverrides() {
            return java.util.Map.of("broker.role-arn", "arn:aws:iam:::role/no-such-role",
                    "broker.sts.retry-backoff", "0.05S", "broker.sts.retry-max-backoff", "0.1S");
        }
    }

    @Test
    void theStsFailureIsLoggedWithoutSecrets() throws Exception {
        long start = Upstream.logSize();
        RawHttp.Answer answer = RawHttp.send("GET /item?bucket=" + LocalS3Sts.bucket() + "&key=logs/sts HTTP/1.1\r\n"
                + TestAuth.HEADER_LINE, null);
        assertEquals(503, answer.status(), answer.toString());
        // The failure is logged.
        Upstream.awaitLogLine(start, "AssumeRole for scope");
        String log = Files.readString(Upstream.LOG);
        for (String secret : List.of(TestAuth.KEY, LocalS3Sts.get("AWS_SECRET_ACCESS_KEY"),
                LocalS3Sts.get("LOCAL_S3STS_ADMIN_SECRET_KEY"))) {
            assertFalse(log.contains(secret), "the log contains a secret: " + secret.substring(0, 6) + "…");
        }
    }
}
