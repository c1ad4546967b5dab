package io.s3broker.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.s3broker.testing.LocalS3StsResource;
import io.s3broker.testing.TestAuth;

/**
 * Allow-lists are checked before any STS or S3 call: every denied request (read, write, upload URL, PUT, form POST,
 * vending with empty lists) gets 403 AccessDenied JSON and an audit line, and neither the gateway nor the broker's
 * S3 metrics see a call. A caller's own lists replace the defaults for that caller only.
 */
@QuarkusTest
@TestProfile(SecurityProfile.class)
@WithTestResource(LocalS3StsResource.class)
class AuthorizationTest {

    static final String BOUNDARY = "authz-boundary";

    /** A denied request: what the audit line must name. */
    record Denial(String label, String caller, String action, String target, String head, byte[] body) {
    }

    static String get(String path, String key, String query) {
        return "GET " + path + "?" + query + " HTTP/1.1\r\nAuthorization: Bearer " + key + "\r\n";
    }

    static String query(String bucket, String key) {
        return "bucket=" + bucket + "&key=" + key;
    }

    static Denial read(String label, String caller, String callerKey, String bucket, String key) {
        return new Denial(label, caller, "presign-get", key, get("/item", callerKey, query(bucket, key)), null);
    }

    static byte[] form(String bucket, String key) {
        return form(BOUNDARY, bucket, key, "must not be stored");
    }

    /** A form upload of {@code content} (text) to {@code key} of {@code bucket}, as POST /item takes it. */
    static byte[] form(String boundary, String bucket, String key, String content) {
        return ("--" + boundary + "\r\nContent-Disposition: form-data; name=\"bucket\"\r\n\r\n" + bucket + "\r\n--" + boundary
                + "\r\nContent-Disposition: form-data; name=\"key\"\r\n\r\n" + key + "\r\n--" + boundary
                + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"f\"\r\nContent-Type: text/plain\r\n\r\n"
                + content + "\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8);
    }

    static List<Denial> denials(String run) {
        String b = SecurityProfile.bucket();
        String narrow = Callers.NARROW_KEY;
        String nobody = Callers.NOBODY_KEY;
        List<Denial> denials = new ArrayList<>();
        denials.add(read("nobody reads", Callers.NOBODY, nobody, b, "authz/" + run));
        denials.add(read("narrow reads outside its prefixes", Callers.NARROW, narrow, b, "other/" + run));
        denials.add(read("narrow reads where it may only write", Callers.NARROW, narrow, b, "narrow/write/" + run));
        denials.add(read("narrow reads its prefix in another bucket", Callers.NARROW, narrow, "other-bucket-" + run.substring(0, 8),
                "narrow/read/" + run));
        denials.add(read("narrow reads a sibling of its prefix", Callers.NARROW, narrow, b, "narrow/readme/" + run));
        denials.add(new Denial("narrow reads unchecked outside", Callers.NARROW, "presign-get", "other/unchecked-" + run,
                get("/item", narrow, query(b, "other/unchecked-" + run) + "&check=false"), null));
        denials.add(read("writer reads (its read list is the empty default)", SecurityProfile.WRITER,
                SecurityProfile.WRITER_KEY, b, "narrow/writer/" + run));
        denials.add(new Denial("narrow asks an upload URL where it may only read", Callers.NARROW, "presign-put",
                "narrow/read/url-" + run, get("/item/upload-url", narrow, query(b, "narrow/read/url-" + run) + "&size=1"), null));
        denials.add(new Denial("narrow PUTs where it may only read", Callers.NARROW, "upload", "narrow/read/put-" + run,
                "PUT /item?" + query(b, "narrow/read/put-" + run) + " HTTP/1.1\r\nAuthorization: Bearer " + narrow
                        + "\r\nContent-Type: text/plain\r\n", "must not be stored".getBytes(StandardCharsets.UTF_8)));
        denials.add(new Denial("nobody PUTs", Callers.NOBODY, "upload", "authz/put-" + run,
                "PUT /item?" + query(b, "authz/put-" + run) + " HTTP/1.1\r\nAuthorization: Bearer " + nobody + "\r\n",
                "must not be stored".getBytes(StandardCharsets.UTF_8)));
        denials.add(new Denial("narrow POSTs a form where it may only read", Callers.NARROW, "upload",
                "narrow/shared/form-" + run, "POST /item HTTP/1.1\r\nAuthorization: Bearer " + narrow
                        + "\r\nContent-Type: multipart/form-data; boundary=" + BOUNDARY + "\r\n",
                form(b, "narrow/shared/form-" + run)));
        denials.add(new Denial("nobody asks for credentials (empty lists)", Callers.NOBODY, "vend", "-",
                "POST /credentials HTTP/1.1\r\nAuthorization: Bearer " + nobody + "\r\n", new byte[0]));
        return denials;
    }

    @Test
    void deniedRequestsReachNeitherStsNorS3AndAreAudited() {
        String run = UUID.randomUUID().toString();
        long logStart = Upstream.logSize();
        long assumeRoles = Upstream.assumeRolesSettled();
        double s3 = Upstream.s3Requests();
        List<String> prefixes = List.of("narrow/", "authz/");
        List<List<String>> storedBefore = prefixes.stream().map(Upstream::stored).toList();

        List<Denial> denials = denials(run);
        for (Denial denial : denials) {
            RawHttp.Answer answer = RawHttp.send(denial.head(), denial.body());
            assertEquals(403, answer.status(), denial.label() + ": " + answer);
            assertTrue(answer.isJson(), denial.label());
            assertEquals("AccessDenied", answer.errorCode(), denial.label());
        }

        assertEquals(s3, Upstream.s3Requests(), "no S3 request for a denied request");
        assertEquals(assumeRoles, Upstream.assumeRolesSettled(), "no AssumeRole for a denied request");
        assertEquals(storedBefore, prefixes.stream().map(Upstream::stored).toList(), "nothing stored");
        List<String> log = Upstream.logSince(logStart);
        for (Denial denial : denials) {
            String caller = "caller=" + denial.caller() + " action=" + denial.action();
            assertTrue(log.stream().anyMatch(line -> line.contains(caller) && line.contains(denial.target())
                    && line.contains("outcome=denied")), "audit line of: " + denial.label());
        }
    }

    @Test
    void aCallersOwnListsReplaceTheDefaultsForThatCallerOnly() {
        String b = SecurityProfile.bucket();
        String run = UUID.randomUUID().toString();
        // narrow's own read list lets it read under narrow/read/ although the default read list is empty...
        assertEquals(404, RawHttp.send(get("/item", Callers.NARROW_KEY, query(b, "narrow/read/" + run)), null).status());
        // ...and test's own list (the whole bucket) lets test read where narrow may not.
        assertEquals(404, RawHttp.send(get("/item", TestAuth.KEY, query(b, "other/" + run)), null).status());
        assertEquals(403, RawHttp.send(get("/item", Callers.NARROW_KEY, query(b, "other/" + run)), null).status());
        // writer named only a write list: it writes there, its read list stays the default (empty).
        RawHttp.Answer put = RawHttp.send("PUT /item?" + query(b, "narrow/writer/" + run) + " HTTP/1.1\r\n"
                + "Authorization: Bearer " + SecurityProfile.WRITER_KEY + "\r\n", "written".getBytes(StandardCharsets.UTF_8));
        assertEquals(201, put.status(), put.toString());
        assertEquals(403, RawHttp.send(get("/item", SecurityProfile.WRITER_KEY, query(b, "narrow/writer/" + run)), null)
                .status());
        assertEquals(200, RawHttp.send(get("/item", TestAuth.KEY, query(b, "narrow/writer/" + run)), null).status());
        // The missing bucket of the test caller's list is still S3's 404, not a denial.
        assertEquals(404, RawHttp.send(get("/item", TestAuth.KEY, query(LocalS3StsResource.MISSING_BUCKET, "k")), null)
                .status());
    }

    @Test
    void aGrantedRequestInANewScopeIsCountedWhereTheDenialsAreNot() {
        // The counters the denial test relies on do see a request that is let through.
        String b = SecurityProfile.bucket();
        long assumeRoles = Upstream.assumeRolesSettled();
        double s3 = Upstream.s3Requests();
        RawHttp.Answer answer = RawHttp.send(get("/item", Callers.NARROW_KEY,
                query(b, "narrow/shared/" + UUID.randomUUID())), null);
        assertEquals(404, answer.status(), answer.toString());
        assertTrue(Upstream.s3Requests() > s3, "the HeadObject is counted");
        assertTrue(Upstream.assumeRolesSettled() > assumeRoles, "the new scope's AssumeRole is counted at the gateway");
    }
}
