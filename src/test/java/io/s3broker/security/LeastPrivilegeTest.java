package io.s3broker.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpResponse;
import java.util.UUID;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.s3broker.config.BrokerConfig;
import io.s3broker.credentials.Access;
import io.s3broker.credentials.Grant;
import io.s3broker.credentials.Scope;
import io.s3broker.credentials.ScopedCredentials;
import io.s3broker.testing.LocalS3Sts;
import io.s3broker.testing.LocalS3StsResource;
import io.s3broker.testing.S3As;
import io.s3broker.testing.TestAuth;
import software.amazon.awssdk.auth.credentials.AwsSessionCredentials;
import software.amazon.awssdk.core.async.AsyncRequestBody;

/**
 * The credentials behind a presigned URL carry a session policy of one allow-list entry, so RGW itself refuses
 * anything else they sign (another prefix, another action), while inside the scope they work and a missing key
 * is still a 404. Requests in scopes already used make no new AssumeRole.
 */
@QuarkusTest
@TestProfile(SecurityProfile.class)
@WithTestResource(LocalS3StsResource.class)
class LeastPrivilegeTest {

    @Inject
    ScopedCredentials scopes;

    @Inject
    BrokerConfig config;

    static void put(String key, String content) {
        LocalS3Sts.admin().putObject(p -> p.bucket(LocalS3Sts.bucket()).key(key), AsyncRequestBody.fromString(content)).join();
    }

    AwsSessionCredentials scopeCredentials(Access access, String prefix) {
        Scope scope = Scope.of(new Grant(access, LocalS3Sts.bucket(), prefix), config.roleSessionDuration());
        return scopes.forScope(scope).cache().get().join().credentials();
    }

    static JsonNode presign(String path, String key, String callerKey) {
        // An upload URL is signed for the length of what the tests PUT to it: "uploaded".
        RawHttp.Answer answer = RawHttp.send("GET " + path + "?bucket=" + LocalS3Sts.bucket() + "&key=" + key
                + (path.endsWith("upload-url") ? "&size=8" : "") + " HTTP/1.1\r\nAuthorization: Bearer " + callerKey
                + "\r\n", null);
        assertEquals(200, answer.status(), answer.toString());
        return answer.json();
    }

    @Test
    void aPresignedGetWorksInsideItsScopeAndRgwRefusesWhatItsCredentialsSignOutside() {
        String run = UUID.randomUUID().toString();
        String b = LocalS3Sts.bucket();
        put("narrow/read/in-" + run, "inside");
        put("other/out-" + run, "outside");
        put("narrow/readme-" + run, "sibling");

        HttpResponse<String> inside = S3As.httpGet(URI.create(presign("/item", "narrow/read/in-" + run, Callers.NARROW_KEY)
                .path("url").asText()));
        assertEquals(200, inside.statusCode(), inside.body());
        assertEquals("inside", inside.body());

        // The very credentials that signed it, used for what the scope does not cover. Objects that exist: RGW answers
        // 404 for a missing key before it looks at the object's policy, so only existing keys show a refusal.
        AwsSessionCredentials read = scopeCredentials(Access.READ, "narrow/read/");
        assertEquals(403, S3As.httpGet(S3As.presignedGet(read, b, "other/out-" + run)).statusCode(), "another prefix");
        assertEquals(403, S3As.httpGet(S3As.presignedGet(read, b, "narrow/readme-" + run)).statusCode(),
                "a sibling of the prefix");
        assertEquals(403, S3As.httpPut(S3As.presignedPut(read, b, "narrow/read/put-" + run), "x").statusCode(),
                "a PUT with read credentials");
        assertEquals(200, S3As.httpGet(S3As.presignedGet(read, b, "narrow/read/in-" + run)).statusCode(), "inside");
        HttpResponse<String> missing = S3As.httpGet(S3As.presignedGet(read, b, "narrow/read/missing-" + run));
        assertEquals(404, missing.statusCode(), "a missing key inside the scope: " + missing.body());
        assertTrue(missing.body().contains("NoSuchKey"), missing.body());
        // The broker's own check of a missing key inside the scope is S3's 404 too.
        RawHttp.Answer checked = RawHttp.send("GET /item?bucket=" + b + "&key=narrow/read/missing-" + run
                + " HTTP/1.1\r\nAuthorization: Bearer " + Callers.NARROW_KEY + "\r\n", null);
        assertEquals(404, checked.status(), checked.toString());
        assertEquals("NoSuchKey", checked.errorCode());
    }

    @Test
    void aPresignedPutWorksInsideItsScopeAndRgwRefusesWhatItsCredentialsSignOutside() {
        String run = UUID.randomUUID().toString();
        String b = LocalS3Sts.bucket();
        JsonNode upload = presign("/item/upload-url", "narrow/write/url-" + run, Callers.NARROW_KEY);
        HttpResponse<String> put = S3As.httpPut(URI.create(upload.path("url").asText()), "uploaded");
        assertEquals(200, put.statusCode(), put.body());
        assertTrue(Upstream.stored("narrow/write/url-" + run).contains("narrow/write/url-" + run));

        put("other/out-" + run, "outside");
        AwsSessionCredentials write = scopeCredentials(Access.WRITE, "narrow/write/");
        assertEquals(403, S3As.httpPut(S3As.presignedPut(write, b, "other/put-" + run), "x").statusCode(),
                "a PUT outside the prefix");
        assertEquals(403, S3As.httpPut(S3As.presignedPut(write, b, "narrow/read/put-" + run), "x").statusCode(),
                "a PUT under a prefix the caller may only read");
        assertEquals(403, S3As.httpGet(S3As.presignedGet(write, b, "other/out-" + run)).statusCode(),
                "a GET outside");
        try (var client = S3As.client(write)) {
            assertEquals(403, S3As.status(() -> client.deleteObject(d -> d.bucket(b).key("narrow/write/url-" + run))),
                    "a DeleteObject, never granted");
            assertEquals(403, S3As.status(() -> client.listObjectsV2(l -> l.bucket(b).prefix("narrow/write/"))),
                    "a listing, never granted to write scopes");
        }
        assertEquals(0, Upstream.stored("other/put-" + run).size() + Upstream.stored("narrow/read/put-" + run).size());
    }

    @Test
    void withoutAnUploadAclWriteScopesMayNotSetAclsAndUploadsCarryNone() {
        // broker.upload.acl is not set here (UploadAclTest has it set).
        String policy = scopes.policy(Scope.of(new Grant(Access.WRITE, LocalS3Sts.bucket(), "narrow/write/"),
                config.roleSessionDuration()));
        assertFalse(policy.contains("PutObjectAcl"), policy);
        String key = "narrow/write/no-acl-" + UUID.randomUUID();
        RawHttp.Answer put = RawHttp.send("PUT /item?bucket=" + LocalS3Sts.bucket() + "&key=" + key + " HTTP/1.1\r\n"
                + "Authorization: Bearer " + Callers.NARROW_KEY + "\r\n", "no acl".getBytes());
        assertEquals(201, put.status(), put.toString());
        UploadAclTest.assertOwnerOnly(key);
    }

    @Test
    void requestsInKnownScopesMakeNoNewAssumeRole() {
        String b = LocalS3Sts.bucket();
        String run = UUID.randomUUID().toString();
        String[] requests = {
            "GET /item?bucket=" + b + "&key=narrow/read/a-" + run + " HTTP/1.1\r\nAuthorization: Bearer " + Callers.NARROW_KEY + "\r\n",
            "GET /item/upload-url?bucket=" + b + "&key=narrow/write/a-" + run + "&size=1 HTTP/1.1\r\nAuthorization: Bearer " + Callers.NARROW_KEY + "\r\n",
            "GET /item?bucket=" + b + "&key=any/a-" + run + " HTTP/1.1\r\nAuthorization: Bearer " + TestAuth.KEY + "\r\n",
        };
        for (String request : requests) {
            RawHttp.send(request, null); // the first use of each scope may assume the role
        }
        long before = Upstream.assumeRolesSettled();
        for (int i = 0; i < 5; i++) {
            for (String request : requests) {
                RawHttp.Answer answer = RawHttp.send(request.replace("a-" + run, i + "-" + run), null);
                assertTrue(answer.status() == 200 || answer.status() == 404, answer.toString());
            }
        }
        RawHttp.Answer put = RawHttp.send("PUT /item?bucket=" + b + "&key=narrow/write/put-" + run + " HTTP/1.1\r\n"
                + "Authorization: Bearer " + Callers.NARROW_KEY + "\r\n", "x".getBytes());
        assertEquals(201, put.status(), put.toString());
        assertEquals(before, Upstream.assumeRolesSettled(), "no AssumeRole for scopes already in the cache");
    }
}
