package io.s3broker.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.s3broker.credentials.CachedCredentials;
import io.s3broker.credentials.ScopeCredentials;
import io.s3broker.credentials.ScopedCredentials;
import io.s3broker.testing.LocalS3Sts;
import io.s3broker.testing.LocalS3StsResource;
import io.s3broker.testing.TestAuth;

/**
 * Failure paths at debug level (401, 403, 404, an aborted upload) and vending, then the whole test log searched for
 * every API key, secret key, session token and presigned URL signature the run used.
 */
@QuarkusTest
@TestProfile(SecurityProfile.class)
@WithTestResource(LocalS3StsResource.class)
class NoSecretsInLogsOnFailurePathsTest {

    static final String WRONG_KEY = "wrong-key-that-must-not-be-logged-7f3a9c";

    @Inject
    ScopedCredentials scopes;

    @Test
    void noLogLineCarriesAKeyASecretATokenOrASignature() throws Exception {
        String b = LocalS3Sts.bucket();
        String run = UUID.randomUUID().toString();
        List<String> secrets = new ArrayList<>(List.of(TestAuth.KEY, Callers.NARROW_KEY, Callers.NOBODY_KEY,
                SecurityProfile.WRITER_KEY, WRONG_KEY, LocalS3Sts.get("AWS_SECRET_ACCESS_KEY"),
                LocalS3Sts.get("LOCAL_S3STS_ADMIN_SECRET_KEY"), "X-Amz-Signature", "X-Amz-Security-Token",
                "X-Amz-Credential"));

        assertEquals(401, RawHttp.send("GET /item?bucket=" + b + "&key=logs/k HTTP/1.1\r\nAuthorization: Bearer "
                + WRONG_KEY + "\r\n", null).status());
        assertEquals(401, RawHttp.send("PUT /item?bucket=" + b + "&key=logs/k HTTP/1.1\r\nAuthorization: "
                + WRONG_KEY + "\r\n", "x".getBytes()).status());
        assertEquals(403, RawHttp.send("GET /item?bucket=" + b + "&key=other/k HTTP/1.1\r\nAuthorization: Bearer "
                + Callers.NARROW_KEY + "\r\n", null).status());
        assertEquals(403, RawHttp.send("POST /credentials HTTP/1.1\r\nAuthorization: Bearer " + Callers.NOBODY_KEY
                + "\r\n", new byte[0]).status());
        assertEquals(404, RawHttp.send("GET /item?bucket=" + b + "&key=narrow/read/missing-" + run
                + " HTTP/1.1\r\nAuthorization: Bearer " + Callers.NARROW_KEY + "\r\n", null).status());

        RawHttp.Answer presigned = RawHttp.send("GET /item?bucket=" + b + "&key=narrow/read/missing-" + run
                + "&check=false HTTP/1.1\r\nAuthorization: Bearer " + Callers.NARROW_KEY + "\r\n", null);
        assertEquals(200, presigned.status());
        secrets.add(signature(presigned.json().path("url").asText()));
        RawHttp.Answer uploadUrl = RawHttp.send("GET /item/upload-url?bucket=" + b + "&key=narrow/write/u-" + run
                + "&size=1 HTTP/1.1\r\nAuthorization: Bearer " + Callers.NARROW_KEY + "\r\n", null);
        secrets.add(signature(uploadUrl.json().path("url").asText()));

        JsonNode vended = RawHttp.send("POST /credentials HTTP/1.1\r\nAuthorization: Bearer " + Callers.NARROW_KEY
                + "\r\n", new byte[0]).json();
        secrets.add(vended.path("secretAccessKey").asText());
        secrets.add(vended.path("sessionToken").asText());

        // An upload whose client goes away half-way: aborted, and logged as such.
        try (Socket client = new Socket("127.0.0.1", RawHttp.port())) {
            OutputStream out = client.getOutputStream();
            out.write(("PUT /item?bucket=" + b + "&key=narrow/write/aborted-" + run + " HTTP/1.1\r\nHost: x\r\n"
                    + "Authorization: Bearer " + Callers.NARROW_KEY + "\r\nContent-Length: 20000000\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.write(new byte[9 << 20]);
            out.flush();
            Upstream.awaitGauge("broker_uploads_in_flight", n -> n >= 1, "the upload started");
        }
        // An upload ends once nothing of it is left in S3.
        Upstream.awaitGauge("broker_uploads_in_flight", n -> n == 0, "the upload ended after its client went");
        assertEquals(List.of(), Upstream.stored("narrow/write/aborted-" + run), "the aborted upload left nothing");

        for (ScopeCredentials scope : scopes.all()) {
            for (CachedCredentials credentials : scope.cache().peek().stream().toList()) {
                secrets.add(credentials.credentials().secretAccessKey());
                secrets.add(credentials.credentials().sessionToken());
            }
        }
        String log = Files.readString(Upstream.LOG);
        assertTrue(log.contains("outcome=denied"), "the denials are in the log");
        assertTrue(log.contains("Presigned GET"), "debug lines are in the log");
        for (String secret : secrets) {
            assertFalse(secret.isBlank());
            assertFalse(log.contains(secret), "the log contains a secret: " + secret.substring(0, Math.min(8, secret.length())) + "…");
        }
    }

    static String signature(String url) {
        Matcher matcher = Pattern.compile("X-Amz-Signature=([0-9a-f]{64})").matcher(url);
        assertTrue(matcher.find(), url.replaceAll("Signature=.*", ""));
        return matcher.group(1);
    }
}
