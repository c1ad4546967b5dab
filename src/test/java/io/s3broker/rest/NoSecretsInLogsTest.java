package io.s3broker.rest;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.s3broker.credentials.CachedCredentials;
import io.s3broker.credentials.ScopeCredentials;
import io.s3broker.credentials.ScopedCredentials;
import io.s3broker.testing.TestAuth;
import io.s3broker.testing.LocalS3Sts;
import io.s3broker.testing.LocalS3StsResource;
import io.s3broker.testing.Management;

/** Exercises every endpoint with the broker logging at debug level, then searches the log for secrets. */
@QuarkusTest
@WithTestResource(LocalS3StsResource.class)
class NoSecretsInLogsTest {

    @Inject
    ScopedCredentials scopes;

    @Test
    void noLogLineCarriesAKeyATokenOrASignature() throws Exception {
        String bucket = LocalS3Sts.bucket();
        String key = "logs/" + UUID.randomUUID();
        given().queryParam("bucket", bucket).queryParam("key", key).body("secret-free body")
                .when().put("/item").then().statusCode(201);
        given().queryParam("bucket", bucket).queryParam("key", key).when().get("/item").then().statusCode(200);
        given().queryParam("bucket", bucket).queryParam("key", key).queryParam("size", 16).when().get("/item/upload-url").then().statusCode(200);
        given().queryParam("bucket", bucket).queryParam("key", "logs/missing").when().get("/item").then().statusCode(404);
        Management.given().when().get("/q/health/ready").then().statusCode(200);

        List<CachedCredentials> sessions = scopes.all().stream().map(ScopeCredentials::cache)
                .flatMap(cache -> cache.peek().stream()).toList();
        assertTrue(sessions.size() >= 2, "the read and the write scope have credentials of their own");
        Path log = Path.of("target", "quarkus-test.log");
        String text = Files.readString(log);
        assertTrue(text.contains("Presigned GET"), "the debug lines about presigning are in the log");
        List<String> secrets = new java.util.ArrayList<>(List.of(LocalS3Sts.get("AWS_SECRET_ACCESS_KEY"),
                LocalS3Sts.get("LOCAL_S3STS_ADMIN_SECRET_KEY"), TestAuth.KEY, "X-Amz-Signature", "X-Amz-Security-Token",
                "X-Amz-Credential"));
        for (CachedCredentials session : sessions) {
            assertTrue(text.contains(session.credentials().accessKeyId()), "access key ids may be logged, and are");
            secrets.add(session.credentials().secretAccessKey());
            secrets.add(session.credentials().sessionToken());
        }
        for (String secret : secrets) {
            assertFalse(text.contains(secret), "the log contains a secret: " + secret.substring(0, Math.min(12, secret.length())) + "…");
        }
    }
}
