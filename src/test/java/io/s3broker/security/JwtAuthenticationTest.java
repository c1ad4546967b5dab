package io.s3broker.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;

import org.junit.jupiter.api.Test;

import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.s3broker.testing.LocalS3Sts;
import io.s3broker.testing.LocalS3StsResource;
import io.s3broker.testing.TestAuth;

/**
 * broker.auth.mode=jwt with a public key in mp.jwt.verify.publickey and audiences in mp.jwt.verify.audiences: a valid
 * token is the caller its subject names; an expired token, one of another issuer or for another audience or for
 * none, one signed with another key, and an API key sent as bearer are 401.
 */
@QuarkusTest
@TestProfile(JwtAuthenticationTest.JwtWithPublicKey.class)
@WithTestResource(LocalS3StsResource.class)
class JwtAuthenticationTest {

    public static class JwtWithPublicKey implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("broker.auth.mode", "jwt",
                    "mp.jwt.verify.publickey", JwtKeys.publicKeyBase64(),
                    "mp.jwt.verify.issuer", JwtKeys.ISSUER,
                    "mp.jwt.verify.audiences", "other-service," + JwtKeys.AUDIENCE);
        }
    }

    static RawHttp.Answer get(String bucket, String key, String authorization) {
        return RawHttp.send("GET /item?bucket=" + bucket + "&key=" + key + " HTTP/1.1\r\nAuthorization: "
                + authorization + "\r\n", null);
    }

    @Test
    void aValidTokenIsTheCallerItsSubjectNames() {
        RawHttp.Answer missing = get(LocalS3Sts.bucket(), "jwt/missing", "Bearer " + JwtKeys.validToken("alice"));
        assertEquals(404, missing.status(), missing.toString());
        assertEquals("NoSuchKey", missing.errorCode());

        // Outside the allow-list, the denial names the caller: the token's subject.
        RawHttp.Answer denied = get("not-in-any-list", "k", "Bearer " + JwtKeys.validToken("alice"));
        assertEquals(403, denied.status(), denied.toString());
        assertTrue(denied.body().contains("caller 'alice'"), denied.body());
    }

    @Test
    void anExpiredTokenIsRefused() {
        assertUnauthorized("Bearer " + JwtKeys.token("alice", JwtKeys.ISSUER, JwtKeys.pair(), -3600));
    }

    @Test
    void aTokenOfAnotherIssuerIsRefused() {
        assertUnauthorized("Bearer " + JwtKeys.token("alice", "https://evil.example", JwtKeys.pair(), 300));
    }

    @Test
    void aTokenForAnotherAudienceOrForNoneIsRefused() {
        assertUnauthorized("Bearer " + JwtKeys.token("alice", JwtKeys.ISSUER, JwtKeys.pair(), 300, "s3-sts-broker-staging"));
        assertUnauthorized("Bearer " + JwtKeys.token("alice", JwtKeys.ISSUER, JwtKeys.pair(), 300, null));
    }

    @Test
    void aTokenForAnyConfiguredAudienceGetsThrough() {
        for (String audience : new String[] { JwtKeys.AUDIENCE, "other-service" }) {
            RawHttp.Answer answer = get(LocalS3Sts.bucket(), "jwt/missing",
                    "Bearer " + JwtKeys.token("alice", JwtKeys.ISSUER, JwtKeys.pair(), 300, audience));
            assertEquals(404, answer.status(), audience + ": " + answer);
            assertEquals("NoSuchKey", answer.errorCode(), audience);
        }
    }

    @Test
    void aTokenSignedWithAnotherKeyIsRefused() {
        assertUnauthorized("Bearer " + JwtKeys.token("alice", JwtKeys.ISSUER, JwtKeys.generate(), 300));
    }

    @Test
    void anApiKeyIsNeverTakenForAToken() {
        assertUnauthorized(TestAuth.BEARER);
    }

    @Test
    void garbageAndTamperedTokensAreRefused() {
        String token = JwtKeys.validToken("alice");
        String[] parts = token.split("\\.");
        String otherPayload = JwtKeys.validToken("mallory").split("\\.")[1];
        assertUnauthorized("Bearer " + parts[0] + "." + otherPayload + "." + parts[2]);
        assertUnauthorized("Bearer " + parts[0] + "." + parts[1] + ".");
        assertUnauthorized("Bearer not.a.jwt");
        assertUnauthorized("Bearer " + token.substring(0, token.length() - 5));
    }

    static void assertUnauthorized(String authorization) {
        RawHttp.Answer answer = get(LocalS3Sts.bucket(), "jwt/k", authorization);
        assertEquals(401, answer.status(), answer.toString());
        assertEquals("Unauthorized", answer.errorCode());
        assertEquals("Bearer", answer.header("WWW-Authenticate"));
    }
}
