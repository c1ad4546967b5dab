package io.s3broker.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.s3broker.config.BrokerConfig;
import io.s3broker.credentials.Access;
import io.s3broker.credentials.Grant;
import io.s3broker.credentials.Scope;
import io.s3broker.credentials.ScopedCredentials;
import io.s3broker.credentials.SessionPolicy;
import io.s3broker.testing.LocalS3Sts;
import io.s3broker.testing.LocalS3StsResource;
import io.s3broker.testing.TestAuth;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsSessionCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.async.AsyncRequestBody;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3AsyncClient;
import software.amazon.awssdk.services.s3.model.GetObjectAclResponse;
import software.amazon.awssdk.services.s3.model.ObjectCannedACL;
import software.amazon.awssdk.services.s3.model.Permission;
import software.amazon.awssdk.services.sts.StsAsyncClient;

/**
 * broker.upload.acl (issue 12, least privilege): with it set, write scopes' session policies hold s3:PutObjectAcl, and
 * uploads through the broker (PUT with a length, chunked PUT, form POST) and through its presigned upload URL succeed
 * at RGW with the canned ACL applied, as the bucket owner reads it back. RGW does check that permission: a session
 * without it cannot upload with the ACL header. (Without broker.upload.acl there is no s3:PutObjectAcl: SessionPolicyTest
 * for the policy, LeastPrivilegeTest for the broker's scopes.)
 */
@QuarkusTest
@TestProfile(UploadAclTest.WithAcl.class)
@WithTestResource(LocalS3StsResource.class)
class UploadAclTest {

    static final String ACL = "bucket-owner-full-control";
    static final String BOUNDARY = "upload-acl-boundary";

    public static class WithAcl implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("broker.upload.acl", ACL);
        }
    }

    @Inject
    ScopedCredentials scopes;

    @Inject
    BrokerConfig config;

    static String bucketOwner() {
        return LocalS3Sts.admin().getBucketAcl(r -> r.bucket(LocalS3Sts.bucket())).join().owner().id();
    }

    /** Asserts that {@code key} carries bucket-owner-full-control: its owner (the role's) and the bucket's owner. */
    static void assertBucketOwnerHasFullControl(String key) {
        GetObjectAclResponse acl = LocalS3Sts.admin().getObjectAcl(r -> r.bucket(LocalS3Sts.bucket()).key(key)).join();
        String bucketOwner = bucketOwner();
        assertNotEquals(bucketOwner, acl.owner().id(), "the object is the role's, not the bucket owner's: " + acl);
        assertTrue(acl.grants().stream().anyMatch(grant -> bucketOwner.equals(grant.grantee().id())
                && grant.permission() == Permission.FULL_CONTROL), key + ": the bucket owner has FULL_CONTROL: " + acl);
    }

    /** Only the object's owner is granted anything: no canned ACL beyond the default. */
    static void assertOwnerOnly(String key) {
        GetObjectAclResponse acl = LocalS3Sts.admin().getObjectAcl(r -> r.bucket(LocalS3Sts.bucket()).key(key)).join();
        assertTrue(acl.grants().stream().allMatch(grant -> acl.owner().id().equals(grant.grantee().id())),
                key + ": only the owner: " + acl);
    }

    static byte[] form(String key, String content) {
        return ("--" + BOUNDARY + "\r\nContent-Disposition: form-data; name=\"bucket\"\r\n\r\n" + LocalS3Sts.bucket()
                + "\r\n--" + BOUNDARY + "\r\nContent-Disposition: form-data; name=\"key\"\r\n\r\n" + key + "\r\n--" + BOUNDARY
                + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"f.txt\"\r\nContent-Type: text/plain\r\n\r\n"
                + content + "\r\n--" + BOUNDARY + "--\r\n").getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void writeScopesMayPutTheObjectAcl() {
        String policy = scopes.policy(Scope.of(new Grant(Access.WRITE, LocalS3Sts.bucket(), ""), config.roleSessionDuration()));
        assertTrue(policy.contains("\"s3:PutObjectAcl\""), policy);
        String read = scopes.policy(Scope.of(new Grant(Access.READ, LocalS3Sts.bucket(), ""), config.roleSessionDuration()));
        assertTrue(!read.contains("PutObjectAcl"), "read scopes never: " + read);
    }

    @Test
    void uploadsThroughTheBrokerCarryTheAcl() throws Exception {
        String run = UUID.randomUUID().toString();
        String b = LocalS3Sts.bucket();

        String putKey = "acl/put-" + run;
        RawHttp.Answer put = RawHttp.send("PUT /item?bucket=" + b + "&key=" + putKey + " HTTP/1.1\r\n" + TestAuth.HEADER_LINE
                + "Content-Type: text/plain\r\n", "with an acl".getBytes(StandardCharsets.UTF_8));
        assertEquals(201, put.status(), put.toString());
        assertBucketOwnerHasFullControl(putKey);

        // Of unknown length, a PUT is a multipart upload: the ACL goes with CreateMultipartUpload.
        String chunkedKey = "acl/chunked-" + run;
        HttpResponse<String> chunked = S3As.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + RawHttp.port()
                + "/item?bucket=" + b + "&key=" + chunkedKey))
                .header("Authorization", TestAuth.BEARER)
                .PUT(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(
                        "chunked, with an acl".getBytes(StandardCharsets.UTF_8))))
                .build());
        assertEquals(201, chunked.statusCode(), chunked.body());
        assertBucketOwnerHasFullControl(chunkedKey);

        String formKey = "acl/form-" + run;
        RawHttp.Answer post = RawHttp.send("POST /item HTTP/1.1\r\n" + TestAuth.HEADER_LINE
                + "Content-Type: multipart/form-data; boundary=" + BOUNDARY + "\r\n", form(formKey, "a form with an acl"));
        assertEquals(201, post.status(), post.toString());
        assertBucketOwnerHasFullControl(formKey);
    }

    @Test
    void aPresignedUploadUrlSignsTheAclAndRgwAppliesIt() {
        String key = "acl/url-" + UUID.randomUUID();
        RawHttp.Answer answer = RawHttp.send("GET /item/upload-url?bucket=" + LocalS3Sts.bucket() + "&key=" + key
                + " HTTP/1.1\r\n" + TestAuth.HEADER_LINE, null);
        assertEquals(200, answer.status(), answer.toString());
        JsonNode upload = answer.json();
        assertEquals(ACL, upload.path("headers").path("x-amz-acl").asText(), answer.toString());
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(upload.path("url").asText()))
                .PUT(HttpRequest.BodyPublishers.ofString("direct, with an acl"));
        upload.path("headers").fields().forEachRemaining(h -> request.header(h.getKey(), h.getValue().asText()));
        HttpResponse<String> put = S3As.send(request.build());
        assertEquals(200, put.statusCode(), put.body());
        assertBucketOwnerHasFullControl(key);
    }

    @Test
    void rgwRefusesTheAclHeaderToASessionWithoutPutObjectAcl() {
        String run = UUID.randomUUID().toString();
        Scope write = Scope.of(new Grant(Access.WRITE, LocalS3Sts.bucket(), "acl/"), Duration.ofMinutes(15));
        AwsSessionCredentials without = assumeRole(new SessionPolicy(LocalS3Sts.get("BROKER_ROLE_ARN"), false).forScope(write));
        AwsSessionCredentials with = assumeRole(new SessionPolicy(LocalS3Sts.get("BROKER_ROLE_ARN"), true).forScope(write));
        try (S3AsyncClient s3 = S3As.client(without)) {
            assertEquals(403, S3As.status(() -> s3.putObject(p -> p.bucket(LocalS3Sts.bucket()).key("acl/without-" + run)
                    .acl(ObjectCannedACL.BUCKET_OWNER_FULL_CONTROL), AsyncRequestBody.fromString("x"))),
                    "an ACL header without s3:PutObjectAcl");
            // The same session may upload without the header: the refusal above is the ACL's.
            assertEquals(200, S3As.status(() -> s3.putObject(p -> p.bucket(LocalS3Sts.bucket()).key("acl/plain-" + run),
                    AsyncRequestBody.fromString("x"))));
            assertOwnerOnly("acl/plain-" + run);
        }
        try (S3AsyncClient s3 = S3As.client(with)) {
            assertEquals(200, S3As.status(() -> s3.putObject(p -> p.bucket(LocalS3Sts.bucket()).key("acl/with-" + run)
                    .acl(ObjectCannedACL.BUCKET_OWNER_FULL_CONTROL), AsyncRequestBody.fromString("x"))));
        }
        assertBucketOwnerHasFullControl("acl/with-" + run);
    }

    static AwsSessionCredentials assumeRole(String policy) {
        try (StsAsyncClient sts = StsAsyncClient.builder()
                .endpointOverride(URI.create(LocalS3Sts.get("BROKER_STS_ENDPOINT")))
                .region(Region.of(LocalS3Sts.get("BROKER_REGION")))
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(
                        LocalS3Sts.get("AWS_ACCESS_KEY_ID"), LocalS3Sts.get("AWS_SECRET_ACCESS_KEY"))))
                .build()) {
            var credentials = sts.assumeRole(r -> r.roleArn(LocalS3Sts.get("BROKER_ROLE_ARN"))
                    .roleSessionName("upload-acl-test").policy(policy).durationSeconds(900)).join().credentials();
            return AwsSessionCredentials.create(credentials.accessKeyId(), credentials.secretAccessKey(),
                    credentials.sessionToken());
        }
    }
}
