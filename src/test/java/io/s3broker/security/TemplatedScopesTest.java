package io.s3broker.security;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import io.restassured.response.ExtractableResponse;
import io.restassured.response.Response;
import io.s3broker.access.AccessPolicy;
import io.s3broker.credentials.Access;
import io.s3broker.credentials.ScopeCredentials;
import io.s3broker.credentials.ScopedCredentials;
import io.s3broker.testing.LocalS3Sts;
import io.s3broker.testing.LocalS3StsResource;
import io.s3broker.testing.S3As;
import io.s3broker.testing.S3Post;
import io.s3broker.testing.TestAuth;
import software.amazon.awssdk.auth.credentials.AwsSessionCredentials;
import software.amazon.awssdk.core.async.AsyncRequestBody;
import software.amazon.awssdk.core.async.AsyncResponseTransformer;
import software.amazon.awssdk.services.s3.S3AsyncClient;

/**
 * Templated allow-list entries ({@code users/{caller}/}): each caller's entry is a scope of its own, whose session
 * policy names only that caller's prefix, so that S3 itself, not only the broker, refuses what the credentials behind
 * alice's presigned URLs, streamed uploads and vended credentials would do under bob's prefix; browser uploads go
 * under {@code uploads/{caller}/}, where alice can neither overwrite bob's upload through the broker nor abort it
 * with her own credentials at S3.
 */
@QuarkusTest
@TestProfile(TemplatedScopesTest.Templated.class)
@WithTestResource(LocalS3StsResource.class)
class TemplatedScopesTest {

    static final String ALICE_KEY = "alice-key-0f1e2d3c4b5a69788796a5b4c3";
    static final String BOB_KEY = "bob-key-a1b2c3d4e5f60718293a4b5c6d7e";
    static final String CAROL_KEY = "carol-key-55aa66bb77cc88dd99ee00ff11";

    public static class Templated implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            String b = LocalS3Sts.bucket();
            return Map.of("broker.auth.api-keys", TestAuth.apiKeys("alice", ALICE_KEY, "bob", BOB_KEY, "carol", CAROL_KEY),
                    "broker.access.read", b + "/users/{caller}/",
                    "broker.access.write", b + "/users/{caller}/," + b + "/uploads/{caller}/",
                    "broker.credentials.enabled", "true",
                    "broker.companion.bucket", b,
                    "broker.prefetch-on-start", "false");
        }
    }

    @Inject
    ScopedCredentials scopes;

    @Inject
    AccessPolicy access;

    static String bearer(String key) {
        return "Bearer " + key;
    }

    static int put(String callerKey, String key, String body) {
        return given().header("Authorization", bearer(callerKey)).queryParam("bucket", LocalS3Sts.bucket())
                .queryParam("key", key).body(body).when().put("/item").then().extract().statusCode();
    }

    /** The credentials of the scope whose access key id signed {@code url}, as the broker holds them. */
    AwsSessionCredentials signerOf(String url) {
        String keyId = AuditOfGrantsTest.param(url, "X-Amz-Credential").split("/")[0];
        return scopes.all().stream().flatMap(scope -> scope.cache().peek().stream())
                .map(cached -> cached.credentials()).filter(c -> c.accessKeyId().equals(keyId)).findFirst().orElseThrow();
    }

    ScopeCredentials scopeOf(Access access, String prefix) {
        return scopes.all().stream().filter(s -> !s.scope().vended() && s.scope().grants().size() == 1
                && s.scope().grants().get(0).access() == access && s.scope().grants().get(0).prefix().equals(prefix))
                .findFirst().orElseThrow(() -> new AssertionError("no scope " + access + " " + prefix));
    }

    static int get(S3AsyncClient s3, String key) {
        return S3As.status(() -> s3.getObject(g -> g.bucket(LocalS3Sts.bucket()).key(key),
                AsyncResponseTransformer.toBytes()));
    }

    static int putAt(S3AsyncClient s3, String key) {
        return S3As.status(() -> s3.putObject(p -> p.bucket(LocalS3Sts.bucket()).key(key),
                AsyncRequestBody.fromString("x")));
    }

    @Test
    void onlyLiteralEntriesArePrefetched() {
        assertEquals(List.of(), access.configuredScopes(), "every entry is templated: nothing to fetch at start");
    }

    @Test
    void eachCallersScopeIsItsOwnAndS3RefusesItUnderAnotherCallersPrefix() {
        String run = UUID.randomUUID().toString();
        String alices = "users/alice/" + run;
        String bobs = "users/bob/" + run;
        assertEquals(201, put(ALICE_KEY, alices, "alice's"));
        assertEquals(201, put(BOB_KEY, bobs, "bob's"));

        // The broker refuses first.
        given().header("Authorization", bearer(ALICE_KEY)).queryParam("bucket", LocalS3Sts.bucket())
                .queryParam("key", bobs).when().get("/item").then().statusCode(403).body("error.code", equalTo("AccessDenied"));
        assertEquals(403, put(ALICE_KEY, "users/bob/" + run + "-overwrite", "not alice's"));

        // A presigned GET of alice's: the credentials that signed it reach her prefix, and S3 refuses them bob's.
        String url = given().header("Authorization", bearer(ALICE_KEY)).queryParam("bucket", LocalS3Sts.bucket())
                .queryParam("key", alices).when().get("/item").then().statusCode(200).extract().path("url");
        assertEquals(200, S3As.httpGet(URI.create(url)).statusCode());
        AwsSessionCredentials reader = signerOf(url);
        assertEquals(403, S3As.httpGet(S3As.presignedGet(reader, LocalS3Sts.bucket(), bobs)).statusCode(),
                "alice's read scope at S3 under bob's prefix");
        assertEquals(200, S3As.httpGet(S3As.presignedGet(reader, LocalS3Sts.bucket(), alices)).statusCode());
        assertEquals(reader.accessKeyId(), scopeOf(Access.READ, "users/alice/").cache().peek().orElseThrow()
                .credentials().accessKeyId(), "a scope of alice's own");
        String policy = scopes.policy(scopeOf(Access.READ, "users/alice/").scope());
        assertTrue(policy.contains("/users/alice/*") && !policy.contains("users/bob") && !policy.contains("users/*"),
                policy);

        // The credentials of alice's streamed uploads, straight at S3.
        AwsSessionCredentials writer = scopeOf(Access.WRITE, "users/alice/").cache().peek().orElseThrow().credentials();
        try (S3AsyncClient s3 = S3As.client(writer)) {
            assertEquals(403, putAt(s3, "users/bob/" + run + "-by-alice"), "alice's write scope under bob's prefix");
            assertEquals(403, get(s3, bobs));
            assertEquals(200, putAt(s3, "users/alice/" + run + "-direct"));
        }
        assertEquals(403, S3As.httpPut(S3As.presignedPut(writer, LocalS3Sts.bucket(), "users/bob/" + run + "-url"), "x")
                .statusCode(), "a URL signed by alice's write scope under bob's prefix");

        // Vended credentials: alice's own entries, with her segment.
        RawHttp.Answer vend = CredentialVendingTest.vend(ALICE_KEY);
        assertEquals(200, vend.status(), vend.toString());
        JsonNode scope = vend.json().path("scope");
        assertEquals("[\"" + LocalS3Sts.bucket() + "/users/alice/\"]", scope.path("read").toString());
        try (S3AsyncClient s3 = S3As.client(CredentialVendingTest.credentials(vend.json()))) {
            assertEquals(200, get(s3, alices));
            assertEquals(403, get(s3, bobs), "alice's vended credentials read bob's");
            assertEquals(403, putAt(s3, "users/bob/" + run + "-vended"), "alice's vended credentials write bob's");
            assertEquals(200, putAt(s3, "users/alice/" + run + "-vended"));
        }
        assertEquals(List.of(bobs), Upstream.stored("users/bob/" + run), "bob's prefix holds bob's object only");
    }

    @Test
    void aCallersBrowserUploadsAreItsOwnAtTheBrokerAndAtS3() {
        String[] bobs = create(BOB_KEY);
        assertTrue(bobs[0].startsWith("uploads/bob/"), bobs[0]);

        // Overwriting bob's upload through the broker: alice's write list does not cover bob's prefix.
        assertEquals(403, put(ALICE_KEY, bobs[0], "alice overwrites"));

        // Aborting it with alice's vended credentials straight at S3.
        JsonNode sts = given().header("Authorization", bearer(ALICE_KEY)).when().get("/s3/sts")
                .then().statusCode(200).extract().as(JsonNode.class);
        AwsSessionCredentials alice = AwsSessionCredentials.create(sts.path("credentials").path("AccessKeyId").asText(),
                sts.path("credentials").path("SecretAccessKey").asText(),
                sts.path("credentials").path("SessionToken").asText());
        String[] own = create(ALICE_KEY);
        try (S3AsyncClient s3 = S3As.client(alice)) {
            assertEquals(403, S3As.status(() -> s3.abortMultipartUpload(a -> a.bucket(LocalS3Sts.bucket()).key(bobs[0])
                    .uploadId(bobs[1]))), "alice aborts bob's upload at S3");
            assertEquals(403, S3As.status(() -> s3.listParts(l -> l.bucket(LocalS3Sts.bucket()).key(bobs[0])
                    .uploadId(bobs[1]))));
            assertEquals(200, S3As.status(() -> s3.abortMultipartUpload(a -> a.bucket(LocalS3Sts.bucket()).key(own[0])
                    .uploadId(own[1]))), "alice aborts her own");
        }
        assertFalse(Upstream.stored(bobs[0]).isEmpty(), "bob's upload is still open");
        given().header("Authorization", bearer(BOB_KEY)).queryParam("key", bobs[0])
                .when().delete("/s3/multipart/{id}", bobs[1]).then().statusCode(200);
        assertEquals(List.of(), Upstream.stored(bobs[0]));
    }

    /**
     * The POST policy of a simple upload is signed by the caller's own write scope by default. Ceph RGW 16, though,
     * answers such a POST 204 and stores nothing (a session policy sends its POST handler back early): hence
     * broker.companion.post-signer=role for RGW, which CompanionResourceTest and the browser tests use. Should RGW
     * store the object, the option is no longer needed there.
     */
    @Test
    void aFormIsSignedByTheCallersOwnScopeWhichRgw16DoesNotStore() {
        ExtractableResponse<Response> params = given().header("Authorization", bearer(ALICE_KEY))
                .queryParam("filename", "a.txt").when().get("/s3/params").then().statusCode(200).extract();
        Map<String, String> fields = params.jsonPath().getMap("fields", String.class, String.class);
        assertTrue(fields.get("key").startsWith("uploads/alice/"), fields.toString());
        String keyId = fields.get("x-amz-credential").split("/")[0];
        assertEquals(scopeOf(Access.WRITE, "uploads/alice/").cache().peek().orElseThrow().credentials().accessKeyId(),
                keyId, "signed by alice's own write scope");
        assertEquals(204, S3Post.send(params.path("url"), fields, "hello".getBytes()).statusCode());
        assertEquals(List.of(), Upstream.stored(fields.get("key")), "RGW 16 stored nothing");
    }

    /** What a new caller costs at STS: one AssumeRole per scope it uses, then none while they are cached. */
    @Test
    void aNewCallerCostsOneAssumeRolePerScopeItUses() {
        String run = UUID.randomUUID().toString();
        long before = Upstream.assumeRolesSettled();
        assertEquals(201, put(CAROL_KEY, "users/carol/" + run, "carol's"));
        given().header("Authorization", bearer(CAROL_KEY)).queryParam("bucket", LocalS3Sts.bucket())
                .queryParam("key", "users/carol/" + run).when().get("/item").then().statusCode(200);
        String[] upload = create(CAROL_KEY);
        assertEquals(200, CredentialVendingTest.vend(CAROL_KEY).status());
        long first = Upstream.assumeRolesSettled() - before;
        // read users/carol/, write users/carol/, write uploads/carol/, vended: four scopes of carol's own.
        assertEquals(4, first, "AssumeRole calls of a new caller's first requests");
        for (int i = 0; i < 5; i++) {
            assertEquals(201, put(CAROL_KEY, "users/carol/" + run + "-" + i, "again"));
            given().header("Authorization", bearer(CAROL_KEY)).queryParam("bucket", LocalS3Sts.bucket())
                    .queryParam("key", "users/carol/" + run).when().get("/item").then().statusCode(200);
            assertEquals(200, CredentialVendingTest.vend(CAROL_KEY).status());
        }
        given().header("Authorization", bearer(CAROL_KEY)).queryParam("key", upload[0])
                .when().delete("/s3/multipart/{id}", upload[1]).then().statusCode(200);
        assertEquals(before + first, Upstream.assumeRolesSettled(), "none more while the scopes are cached");
    }

    static String[] create(String callerKey) {
        ExtractableResponse<Response> created = given().header("Authorization", bearer(callerKey))
                .contentType(ContentType.JSON).body("{\"filename\":\"f.bin\",\"type\":\"application/octet-stream\"}")
                .when().post("/s3/multipart").then().statusCode(200).extract();
        return new String[] { created.path("key"), created.path("uploadId") };
    }
}
