package io.s3broker.security;

import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import io.s3broker.testing.LocalS3Sts;
import io.s3broker.testing.PackagedBroker;
import io.s3broker.testing.TestAuth;

/**
 * The packaged broker refuses to start on a configuration that would leave it open or broken, with a message naming
 * the setting; mode none starts, with a warning.
 * It starts the packaged broker itself ({@link PackagedBroker}: the fast-jar, or the native executable under
 * -Pnative), once per configuration, for its exit code and output: {@code @QuarkusIntegrationTest} starts one
 * configured broker per class and fails the class when it does not start.
 */
class StartupRefusalIT {

    /** Starts the packaged broker with the local S3/STS env plus {@code env}; returns its exit code (null: still running). */
    static Integer run(String name, Map<String, String> env, Path log, long waitSeconds) throws Exception {
        ProcessBuilder builder = PackagedBroker.command()
                .redirectErrorStream(true).redirectOutput(log.toFile());
        builder.environment().putAll(LocalS3Sts.up());
        builder.environment().put("QUARKUS_HTTP_PORT", Integer.toString(freePort()));
        builder.environment().put("QUARKUS_MANAGEMENT_PORT", Integer.toString(freePort()));
        builder.environment().put("QUARKUS_HTTP_HOST", "127.0.0.1");
        builder.environment().put("QUARKUS_MANAGEMENT_HOST", "127.0.0.1");
        builder.environment().put("BROKER_PREFETCH_ON_START", "false");
        builder.environment().putAll(env);
        Process broker = builder.start();
        try {
            if (broker.waitFor(waitSeconds, TimeUnit.SECONDS)) {
                return broker.exitValue();
            }
            return null;
        } finally {
            broker.destroy();
            broker.waitFor(20, TimeUnit.SECONDS);
        }
    }

    static void assertRefused(String name, Map<String, String> env, String... mentions) throws Exception {
        Path log = Path.of("target", "startup-refusal-" + name + ".log");
        Integer exit = run(name, env, log, 90);
        String output = Files.readString(log);
        assertTrue(exit != null, name + ": the broker did not stop; its output:\n" + output);
        assertNotEquals(0, exit, name + ": exit code");
        for (String mention : mentions) {
            assertTrue(output.contains(mention), name + ": the output names " + mention + ":\n" + output);
        }
    }

    @Test
    void apiKeyModeWithoutKeysRefusesToStart() throws Exception {
        assertRefused("no-api-keys", Map.of("BROKER_AUTH_MODE", "api-key"), "broker.auth.api-keys");
    }

    @Test
    void aBadAllowListEntryRefusesToStart() throws Exception {
        assertRefused("bad-entry", Map.of("BROKER_AUTH_API_KEYS", TestAuth.CALLER + ":" + TestAuth.KEY_SHA256,
                "BROKER_ACCESS_READ", LocalS3Sts.bucket() + "/public/*/"), "broker.access.read", "public/*/");
    }

    @Test
    void aSessionPolicyOverTheStsLimitRefusesToStart() throws Exception {
        StringBuilder entries = new StringBuilder();
        for (int i = 0; i < 30; i++) {
            entries.append(i == 0 ? "" : ",").append(LocalS3Sts.bucket()).append("/a-rather-long-prefix-number-")
                    .append(i).append('/');
        }
        assertRefused("policy-too-long", Map.of("BROKER_AUTH_API_KEYS", TestAuth.CALLER + ":" + TestAuth.KEY_SHA256,
                "BROKER_ACCESS_READ", entries.toString(), "BROKER_CREDENTIALS_ENABLED", "true"),
                "more than STS takes (2048)");
    }

    @Test
    void jwtModeWithoutIssuerOrAudiencesRefusesToStart() throws Exception {
        Map<String, String> jwt = Map.of("BROKER_AUTH_MODE", "jwt", "MP_JWT_VERIFY_PUBLICKEY", JwtKeys.publicKeyBase64());
        Map<String, String> noAudiences = new java.util.HashMap<>(jwt);
        noAudiences.put("MP_JWT_VERIFY_ISSUER", JwtKeys.ISSUER);
        Map<String, String> noIssuer = new java.util.HashMap<>(jwt);
        noIssuer.put("MP_JWT_VERIFY_AUDIENCES", JwtKeys.AUDIENCE);
        assertRefused("jwt-no-audiences", noAudiences, "mp.jwt.verify.issuer", "mp.jwt.verify.audiences");
        assertRefused("jwt-no-issuer", noIssuer, "mp.jwt.verify.issuer", "mp.jwt.verify.audiences");
    }

    /** Templated entries are sized for the longest subject a token may carry: 128 bytes, each percent-encoded. */
    @Test
    void templatedEntriesTooLongForTheLongestSubjectRefuseToStart() throws Exception {
        String b = LocalS3Sts.bucket();
        Map<String, String> env = new java.util.HashMap<>(Map.of("BROKER_AUTH_MODE", "jwt",
                "MP_JWT_VERIFY_PUBLICKEY", JwtKeys.publicKeyBase64(), "MP_JWT_VERIFY_ISSUER", JwtKeys.ISSUER,
                "MP_JWT_VERIFY_AUDIENCES", JwtKeys.AUDIENCE, "BROKER_CREDENTIALS_ENABLED", "true"));
        env.put("BROKER_ACCESS_READ", b + "/a/{caller}/," + b + "/b/{caller}/," + b + "/c/{caller}/");
        env.put("BROKER_ACCESS_WRITE", b + "/d/{caller}/");
        assertRefused("templated-policy-too-long", env, "more than STS takes (2048)");
    }

    @Test
    void modeNoneStartsWithAWarning() throws Exception {
        Path log = Path.of("target", "startup-refusal-mode-none.log");
        Integer exit = run("mode-none", Map.of("BROKER_AUTH_MODE", "none"), log, 15);
        String output = Files.readString(log);
        assertTrue(exit == null, "mode none starts: " + output);
        assertTrue(output.contains("WARN") && output.contains("broker.auth.mode=none"), output);
    }

    static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
