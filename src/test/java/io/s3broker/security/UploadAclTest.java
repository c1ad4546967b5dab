package io.s3broker.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
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
import io.s3broker.testing.BrowserApiConfig;
import io.s3broker.testing.LocalS3Sts;
import io.s3broker.testing.LocalS3StsResource;
import io.s3broker.testing.S3As;
import io.s3broker.testing.TestAuth;
import software.amazon.awssdk.services.s3.model.GetObjectAclResponse;
import software.amazon.awssdk.services.s3.model.Permission;

/**
 * broker.upload.acl (least privilege): with it set, write scopes' session policies hold s3:PutObjectAcl,
 * only under the condition that the ACL is the configured one, and uploads through the broker (PUT with a length,
 * chunked PUT, form POST) and through its presigned upload URL succeed at RGW with the canned ACL applied, as the
 * bucket owner reads it back. RGW enforces the condition on PutObjectAcl: vended credentials may set the configured
 * ACL on their objects and no other. (Without broker.upload.acl there is no s3:PutObjectAcl: SessionPolicyTest for the
 * policy, LeastPrivilegeTest for the broker's scopes. RGW, unlike AWS S3, takes an x-amz-acl header on PutObject from
 * a session without s3:PutObjectAcl, so neither the statement's need there nor its condition can be shown here.)
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
            // Browser uploads under the whole-bucket write entry of the test profile: a literal one, warned about.
            return BrowserApiConfig.with("broker.upload.acl", ACL, "broker.credentials.enabled", "true");
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

    @Test
    void writeScopesMayPutTheObjectAcl() {
        String policy = scopes.policy(Scope.of(new Grant(Access.WRITE, LocalS3Sts.bucket(), ""), config.roleSessionDuration()));
        assertTrue(policy.contains("\"s3:PutObjectAcl\""), policy);
        String read = scopes.policy(Scope.of(new Grant(Access.READ, LocalS3Sts.bucket(), ""), config.roleSessionDuration()));
        assertTrue(!read.contains("PutObjectAcl"), "read scopes never: " + read);
    }

    @Test
    void aBrowserFormCarriesTheAclAndALiteralEntryIsWarnedAbout() {
        io.restassured.response.ExtractableResponse<io.restassured.response.Response> params = io.restassured.RestAssured
                .given().queryParam("filename", "acl.txt").when().get("/s3/params").then().statusCode(200).extract();
        Map<String, String> fields = params.jsonPath().getMap("fields", String.class, String.class);
        assertEquals(ACL, fields.get("acl"), fields.toString());
        HttpResponse<String> post = io.s3broker.testing.S3Post.send(params.path("url"), fields,
                "a form with an acl".getBytes(StandardCharsets.UTF_8));
        assertEquals(204, post.statusCode(), post.body());
        assertBucketOwnerHasFullControl(fields.get("key"));
        // Another ACL than the form's: S3 holds the policy.
        Map<String, String> otherAcl = new java.util.HashMap<>(fields);
        otherAcl.put("acl", "public-read");
        assertEquals(403, io.s3broker.testing.S3Post.send(params.path("url"), otherAcl, new byte[1]).statusCode());

        assertTrue(Upstream.logSince(0).stream().anyMatch(line -> line.contains("Browser uploads of caller")
                && line.contains("literal write entry")), "the start-up warning of a shared upload scope");
    }

    @Test
    void vendedCredentialsMaySetTheConfiguredAclAndNoOther() {
        String key = "acl/vended-" + UUID.randomUUID();
        RawHttp.Answer vend = RawHttp.send("POST /credentials HTTP/1.1\r\n" + TestAuth.HEADER_LINE, new byte[0]);
        assertEquals(200, vend.status(), vend.toString());
        String vendedPolicy = scopes.policy(scopes.all().stream().filter(s -> s.scope().vended()).findFirst()
                .orElseThrow().scope());
        assertTrue(vendedPolicy.contains("{\"Effect\":\"Allow\",\"Action\":[\"s3:PutObjectAcl\"],\"Resource\":[\"arn:aws:s3:::"
                + LocalS3Sts.bucket() + "/*\"],\"Condition\":{\"StringEquals\":{\"s3:x-amz-acl\":[\"" + ACL + "\"]}}}"),
                vendedPolicy);
        try (software.amazon.awssdk.services.s3.S3AsyncClient s3 = S3As.client(CredentialVendingTest.credentials(vend.json()))) {
            assertEquals(200, S3As.status(() -> s3.putObject(p -> p.bucket(LocalS3Sts.bucket()).key(key),
                    software.amazon.awssdk.core.async.AsyncRequestBody.fromString("vended"))));
            assertEquals(403, S3As.status(() -> s3.putObjectAcl(p -> p.bucket(LocalS3Sts.bucket()).key(key)
                    .acl("public-read"))), "RGW enforces the condition: no other ACL");
            assertEquals(403, S3As.status(() -> s3.putObjectAcl(p -> p.bucket(LocalS3Sts.bucket()).key(key)
                    .acl("authenticated-read"))));
            assertOwnerOnly(key);
            assertEquals(200, S3As.status(() -> s3.putObjectAcl(p -> p.bucket(LocalS3Sts.bucket()).key(key).acl(ACL))));
            assertBucketOwnerHasFullControl(key);
        }
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
                + "Content-Type: multipart/form-data; boundary=" + BOUNDARY + "\r\n",
                AuthorizationTest.form(BOUNDARY, LocalS3Sts.bucket(), formKey, "a form with an acl"));
        assertEquals(201, post.status(), post.toString());
        assertBucketOwnerHasFullControl(formKey);
    }

    @Test
    void aPresignedUploadUrlSignsTheAclAndRgwAppliesIt() {
        String key = "acl/url-" + UUID.randomUUID();
        RawHttp.Answer answer = RawHttp.send("GET /item/upload-url?bucket=" + LocalS3Sts.bucket() + "&key=" + key
                + "&size=19 HTTP/1.1\r\n" + TestAuth.HEADER_LINE, null);
        assertEquals(200, answer.status(), answer.toString());
        JsonNode upload = answer.json();
        assertEquals(ACL, upload.path("headers").path("x-amz-acl").asText(), answer.toString());
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(upload.path("url").asText()))
                .PUT(HttpRequest.BodyPublishers.ofString("direct, with an acl"));
        // Content-Length is signed too; Java's client sets it from the body itself (and refuses it as a header).
        upload.path("headers").fields().forEachRemaining(h -> {
            if (!h.getKey().equals("content-length")) {
                request.header(h.getKey(), h.getValue().asText());
            }
        });
        HttpResponse<String> put = S3As.send(request.build());
        assertEquals(200, put.statusCode(), put.body());
        assertBucketOwnerHasFullControl(key);
    }
}
