package io.s3broker.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.s3broker.testing.LocalS3Sts;
import io.s3broker.testing.LocalS3StsResource;
import io.s3broker.testing.S3As;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsSessionCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.async.AsyncRequestBody;
import software.amazon.awssdk.core.async.AsyncResponseTransformer;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3AsyncClient;
import software.amazon.awssdk.services.sts.StsAsyncClient;

/**
 * POST /credentials (broker.credentials.enabled=true): the answer's shape, no-store, sessions of at least 900 s,
 * one AssumeRole per caller however often it asks, and credentials RGW refuses outside the caller's allow-lists.
 */
@QuarkusTest
@TestProfile(SecurityProfile.class)
@WithTestResource(LocalS3StsResource.class)
class CredentialVendingTest {

    static final String OTHER_BUCKET = "broker-test-vending-other";

    static RawHttp.Answer vend(String callerKey) {
        return RawHttp.send("POST /credentials HTTP/1.1\r\nAuthorization: Bearer " + callerKey + "\r\n", new byte[0]);
    }

    static AwsSessionCredentials credentials(JsonNode vended) {
        return AwsSessionCredentials.create(vended.path("accessKeyId").asText(), vended.path("secretAccessKey").asText(),
                vended.path("sessionToken").asText());
    }

    @Test
    void answersTheCredentialsTheirScopeAndNoStore() {
        String b = LocalS3Sts.bucket();
        Instant asked = Instant.now();
        RawHttp.Answer answer = vend(Callers.NARROW_KEY);
        assertEquals(200, answer.status(), answer.toString());
        assertEquals("no-store", answer.header("Cache-Control"));
        JsonNode body = answer.json();
        assertEquals(Set.of("success", "accessKeyId", "secretAccessKey", "sessionToken", "expiration", "scope"),
                fieldNames(body));
        assertTrue(body.path("success").asBoolean());
        for (String field : List.of("accessKeyId", "secretAccessKey", "sessionToken")) {
            assertFalse(body.path(field).asText().isBlank(), field);
        }
        assertEquals(Set.of(b + "/narrow/read/", b + "/narrow/shared/"), textSet(body.path("scope").path("read")));
        assertEquals(Set.of(b + "/narrow/write/"), textSet(body.path("scope").path("write")));
        Instant expiration = Instant.parse(body.path("expiration").asText());
        // Sessions of broker.credentials.duration (15 minutes by default): a fresh set lives at least 900 s less the
        // time it took, and never as long as the broker's own one-hour sessions.
        Duration left = Duration.between(asked, expiration);
        assertTrue(left.compareTo(Duration.ofSeconds(840)) >= 0 && left.compareTo(Duration.ofMinutes(16)) <= 0,
                "expires in " + left);
    }

    @Test
    void vendsFromOneAssumeRolePerCaller() {
        long before = Upstream.assumeRolesSettled();
        JsonNode first = vend(SecurityProfile.WRITER_KEY).json();
        JsonNode second = vend(SecurityProfile.WRITER_KEY).json();
        JsonNode third = vend(SecurityProfile.WRITER_KEY).json();
        assertEquals(first.path("accessKeyId").asText(), second.path("accessKeyId").asText());
        assertEquals(first.path("accessKeyId").asText(), third.path("accessKeyId").asText());
        assertEquals(before + 1, Upstream.assumeRolesSettled(), "one AssumeRole for three calls of one caller");
        // Another caller gets a session of its own (its own scope, and its own name in CloudTrail).
        JsonNode test = vend(io.s3broker.testing.TestAuth.KEY).json();
        assertFalse(first.path("accessKeyId").asText().equals(test.path("accessKeyId").asText()));
    }

    @Test
    void rgwRefusesVendedCredentialsOutsideTheCallersAllowLists() throws Exception {
        String b = LocalS3Sts.bucket();
        String run = UUID.randomUUID().toString();
        LeastPrivilegeTest.put("narrow/read/in-" + run, "inside");
        LeastPrivilegeTest.put("other/out-" + run, "outside");
        AwsSessionCredentials vended = credentials(vend(Callers.NARROW_KEY).json());
        try (S3AsyncClient s3 = S3As.client(vended)) {
            // Inside: read under the read prefixes, write under the write prefix, list the read prefixes.
            assertEquals("inside", s3.getObject(g -> g.bucket(b).key("narrow/read/in-" + run),
                    AsyncResponseTransformer.toBytes()).join().asUtf8String());
            assertEquals(200, S3As.status(() -> s3.putObject(p -> p.bucket(b).key("narrow/write/v-" + run),
                    AsyncRequestBody.fromString("vended"))));
            assertEquals(200, S3As.status(() -> s3.listObjectsV2(l -> l.bucket(b).prefix("narrow/read/"))));
            assertEquals(404, S3As.status(() -> s3.getObject(g -> g.bucket(b).key("narrow/read/missing-" + run),
                    AsyncResponseTransformer.toBytes())), "a missing key under a read prefix");

            // Outside: other prefixes, actions not granted, listings beyond the read prefixes.
            assertEquals(403, S3As.status(() -> s3.getObject(g -> g.bucket(b).key("other/out-" + run),
                    AsyncResponseTransformer.toBytes())), "GetObject outside");
            assertEquals(403, S3As.status(() -> s3.putObject(p -> p.bucket(b).key("narrow/read/v-" + run),
                    AsyncRequestBody.fromString("x"))), "PutObject under a read-only prefix");
            assertEquals(403, S3As.status(() -> s3.putObject(p -> p.bucket(b).key("other/v-" + run),
                    AsyncRequestBody.fromString("x"))), "PutObject outside");
            assertEquals(403, S3As.status(() -> s3.getObject(g -> g.bucket(b).key("narrow/write/v-" + run),
                    AsyncResponseTransformer.toBytes())), "GetObject under a write-only prefix");
            assertEquals(403, S3As.status(() -> s3.deleteObject(d -> d.bucket(b).key("narrow/write/v-" + run))),
                    "DeleteObject, never granted");
            assertEquals(403, S3As.status(() -> s3.listObjectsV2(l -> l.bucket(b).prefix("other/"))), "list outside");
            assertEquals(403, S3As.status(() -> s3.listObjectsV2(l -> l.bucket(b))), "list the whole bucket");
            assertEquals(403, S3As.status(() -> s3.createBucket(c -> c.bucket("vended-" + run.substring(0, 8)))),
                    "CreateBucket");
        }
        assertEquals(List.of(), Upstream.stored("narrow/read/v-" + run));
        assertEquals(List.of(), Upstream.stored("other/v-" + run));
    }

    @Test
    void rgwRefusesVendedCredentialsInABucketTheRoleItselfMayUse() {
        String run = UUID.randomUUID().toString();
        S3As.status(() -> LocalS3Sts.admin().createBucket(c -> c.bucket(OTHER_BUCKET)));
        // Control: the role's own, unscoped session may write there, so a refusal is the session policy's.
        AwsSessionCredentials unscoped = assumeRoleWithoutPolicy();
        try (S3AsyncClient role = S3As.client(unscoped)) {
            assertEquals(200, S3As.status(() -> role.putObject(p -> p.bucket(OTHER_BUCKET).key("narrow/write/role-" + run),
                    AsyncRequestBody.fromString("role"))), "the role may write to " + OTHER_BUCKET);
        }
        AwsSessionCredentials vended = credentials(vend(Callers.NARROW_KEY).json());
        try (S3AsyncClient s3 = S3As.client(vended)) {
            assertEquals(403, S3As.status(() -> s3.putObject(p -> p.bucket(OTHER_BUCKET).key("narrow/write/v-" + run),
                    AsyncRequestBody.fromString("x"))), "the same prefix in another bucket");
            assertEquals(403, S3As.status(() -> s3.getObject(g -> g.bucket(OTHER_BUCKET).key("narrow/write/role-" + run),
                    AsyncResponseTransformer.toBytes())), "an object of another bucket");
        }
    }

    static AwsSessionCredentials assumeRoleWithoutPolicy() {
        try (StsAsyncClient sts = StsAsyncClient.builder()
                .endpointOverride(URI.create(LocalS3Sts.get("BROKER_STS_ENDPOINT")))
                .region(Region.of(LocalS3Sts.get("BROKER_REGION")))
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(
                        LocalS3Sts.get("AWS_ACCESS_KEY_ID"), LocalS3Sts.get("AWS_SECRET_ACCESS_KEY"))))
                .build()) {
            var credentials = sts.assumeRole(r -> r.roleArn(LocalS3Sts.get("BROKER_ROLE_ARN"))
                    .roleSessionName("vending-test-control").durationSeconds(900)).join().credentials();
            return AwsSessionCredentials.create(credentials.accessKeyId(), credentials.secretAccessKey(),
                    credentials.sessionToken());
        }
    }

    static Set<String> fieldNames(JsonNode node) {
        Set<String> names = new HashSet<>();
        node.fieldNames().forEachRemaining(names::add);
        return names;
    }

    static Set<String> textSet(JsonNode array) {
        Set<String> values = new HashSet<>();
        array.forEach(value -> values.add(value.asText()));
        return values;
    }
}
