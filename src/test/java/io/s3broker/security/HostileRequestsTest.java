package io.s3broker.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.s3broker.testing.LocalS3Sts;
import io.s3broker.testing.LocalS3StsResource;
import io.s3broker.testing.TestAuth;

/**
 * A corpus of hostile requests, each sent byte for byte: every one is answered with a 4xx JSON error (a bare 414
 * or 431 from the HTTP layer excepted), never a 5xx, and none leaves anything in S3 (the bucket, objects and open
 * multipart uploads, is listed before and after).
 */
@QuarkusTest
@WithTestResource(LocalS3StsResource.class)
class HostileRequestsTest {

    static final String AUTH = TestAuth.HEADER_LINE;
    static final String BOUNDARY = "hostile-boundary";
    static Set<String> storedBefore;

    /**
     * {@code httpLayer}: a message Netty's HTTP decoder refuses (a control in a header value, a Content-Length that is
     * not a number, Content-Length with chunked) is answered with a bare 400 before any route runs; neither Vert.x nor
     * Quarkus gives a hook to answer those with JSON.
     */
    record Hostile(String label, byte[] head, byte[] body, boolean httpLayer) {
        Hostile(String label, byte[] head, byte[] body) {
            this(label, head, body, false);
        }

        Hostile atHttpLayer() {
            return new Hostile(label, head, body, true);
        }

        @Override
        public String toString() {
            return label;
        }
    }

    static Hostile raw(String label, String head, byte[] body) {
        return new Hostile(label, head.getBytes(StandardCharsets.ISO_8859_1), body);
    }

    static Hostile get(String label, String query) {
        return raw(label, "GET /item?" + query + " HTTP/1.1\r\n" + AUTH, null);
    }

    static Hostile uploadUrl(String label, String query) {
        return raw(label, "GET /item/upload-url?" + query + " HTTP/1.1\r\n" + AUTH, null);
    }

    static Hostile put(String label, String query, String extraHeaders) {
        return raw(label, "PUT /item?" + query + " HTTP/1.1\r\n" + AUTH + extraHeaders,
                "must not be stored".getBytes(StandardCharsets.UTF_8));
    }

    static Hostile post(String label, String query, String contentType, String body) {
        return raw(label, "POST /item" + (query.isEmpty() ? "" : "?" + query) + " HTTP/1.1\r\n" + AUTH
                + "Content-Type: " + contentType + "\r\n", body.getBytes(StandardCharsets.ISO_8859_1));
    }

    static Hostile form(String label, String query, String body) {
        return post(label, query, "multipart/form-data; boundary=" + BOUNDARY, body);
    }

    static String field(String name, String value) {
        return "--" + BOUNDARY + "\r\nContent-Disposition: form-data; name=\"" + name + "\"\r\n\r\n" + value + "\r\n";
    }

    static String file(String name, String contentType) {
        return "--" + BOUNDARY + "\r\nContent-Disposition: form-data; name=\"" + name + "\"; filename=\"f\"\r\n"
                + "Content-Type: " + contentType + "\r\n\r\nmust not be stored\r\n";
    }

    static final String END = "--" + BOUNDARY + "--\r\n";

    static List<Hostile> corpus() {
        String b = LocalS3Sts.bucket();
        String at = "bucket=" + b + "&key=";
        List<Hostile> c = new ArrayList<>();
        // Traversal, dot and empty segments, leading '/'
        c.add(get("traversal", at + "hostile/../etc/passwd"));
        c.add(get("leading ..", at + "../hostile"));
        c.add(get("dot segment", at + "hostile/./x"));
        c.add(get("trailing ..", at + "hostile/.."));
        c.add(get("key .", at + "."));
        c.add(get("encoded traversal", at + "hostile%2F..%2F..%2Fx"));
        c.add(get("empty segment", at + "hostile//x"));
        c.add(get("trailing slash", at + "hostile/"));
        c.add(get("leading slash", at + "/hostile/x"));
        c.add(get("encoded leading slash", at + "%2Fhostile"));
        c.add(get("backslash traversal is literal but dot segments are not", at + "hostile/..%2F.."));
        // C0 and C1 controls, bidi overrides
        c.add(get("NUL", at + "hostile/%00"));
        c.add(get("CR LF", at + "hostile/%0D%0AX-Injected:%201"));
        c.add(get("ESC", at + "hostile/%1B%5B31m"));
        c.add(get("TAB", at + "hostile/a%09b"));
        c.add(get("DEL", at + "hostile/%7F"));
        c.add(get("C1 NEL", at + "hostile/%C2%85"));
        c.add(get("C1 CSI", at + "hostile/%C2%9B"));
        c.add(get("bidi RLO", at + "hostile/%E2%80%AEfdp.exe"));
        c.add(get("bidi isolate", at + "hostile/%E2%81%A6x"));
        c.add(get("bidi RLM", at + "hostile/%E2%80%8Fx"));
        // Invalid UTF-8
        c.add(get("invalid byte FF", at + "hostile/%FF"));
        c.add(get("overlong slash", at + "hostile/%C0%AF"));
        c.add(get("encoded surrogate", at + "hostile/%ED%A0%80"));
        c.add(get("truncated sequence", at + "hostile/%E2%82"));
        c.add(get("literal U+FFFD", at + "hostile/%EF%BF%BD"));
        c.add(raw("raw 0xFF byte in the target", "GET /item?" + at + "hostile/\u00ff HTTP/1.1\r\n" + AUTH, null));
        // Over-long keys
        c.add(get("1025-byte key", at + "hostile/" + "k".repeat(1025 - 8)));
        c.add(get("1026 bytes of euro signs", at + "hostile/" + "%E2%82%AC".repeat(340)));
        c.add(get("empty key", at));
        // Bad buckets and regions
        c.add(get("uppercase bucket", "bucket=Bad_Bucket&key=hostile/x"));
        c.add(get("short bucket", "bucket=ab&key=hostile/x"));
        c.add(get("IP bucket", "bucket=192.168.1.1&key=hostile/x"));
        c.add(get("traversal bucket", "bucket=../" + b + "&key=hostile/x"));
        c.add(get("bucket with slash", "bucket=" + b + "%2F..&key=hostile/x"));
        c.add(get("64-char bucket", "bucket=" + "b".repeat(64) + "&key=hostile/x"));
        c.add(get("made-up region", at + "hostile/x&region=xx-evil-1"));
        c.add(get("region with CR LF", at + "hostile/x&region=us-east-1%0D%0A"));
        c.add(get("valid region not served", at + "hostile/x&region=eu-central-1"));
        // expiresIn
        c.add(get("huge expiresIn", at + "hostile/x&expiresIn=99999999999999999999999"));
        c.add(get("negative expiresIn", at + "hostile/x&expiresIn=-1"));
        c.add(get("zero expiresIn", at + "hostile/x&expiresIn=0"));
        c.add(get("non-numeric expiresIn", at + "hostile/x&expiresIn=abc"));
        c.add(get("exponent expiresIn", at + "hostile/x&expiresIn=1e3"));
        c.add(get("expiresIn past the session", at + "hostile/x&expiresIn=604801"));
        c.add(uploadUrl("negative expiresIn on upload-url", at + "hostile/x&expiresIn=-5"));
        c.add(get("bad check flag", at + "hostile/x&check=maybe"));
        // Malformed percent-escapes (MalformedEscapesTest checks their code)
        c.addAll(malformedEscapes(b));
        // Duplicated parameters
        c.add(get("duplicated key", at + "hostile/a&key=hostile/b"));
        c.add(get("duplicated bucket", at + "hostile/a&bucket=" + b));
        c.add(put("duplicated key on PUT", at + "hostile/a&key=hostile/b", ""));
        // Content types
        c.add(uploadUrl("contentType with CR LF", at + "hostile/x&contentType=text/plain%0D%0AX-Evil:%201"));
        c.add(uploadUrl("contentType with NUL", at + "hostile/x&contentType=text/plain%00"));
        c.add(uploadUrl("contentType not a media type", at + "hostile/x&contentType=not-a-media-type"));
        c.add(uploadUrl("contentType with LF in a quoted parameter", at + "hostile/x&contentType=text/plain%3Bcharset=%22a%0Ab%22"));
        c.add(uploadUrl("contentType of 300 characters", at + "hostile/x&contentType=text/" + "p".repeat(295)));
        c.add(put("PUT Content-Type with a control", at + "hostile/ct1", "Content-Type: text/plain\u0001\r\n").atHttpLayer());
        c.add(put("PUT Content-Type with a vertical tab in a parameter", at + "hostile/ct2",
                "Content-Type: text/plain; a=\"b\u000bc\"\r\n").atHttpLayer());
        c.add(put("PUT Content-Type not a media type", at + "hostile/ct3", "Content-Type: garbage\r\n"));
        c.add(put("PUT Content-Type with C1 (Latin-1 byte 0x85)", at + "hostile/ct4", "Content-Type: text/plain\u0085\r\n"));
        c.add(post("POST with a non-multipart type", at + "hostile/p1", "text/plain", "must not be stored"));
        c.add(post("POST multipart without boundary", at + "hostile/p2", "multipart/form-data", file("file", "text/plain") + END));
        c.add(form("form file part Content-Type with a control", at + "hostile/p3", file("file", "text/\u0007plain") + END));
        c.add(form("form file part Content-Type with CR in a parameter", at + "hostile/p4",
                file("file", "text/plain; x=\"a\rb\"") + END));
        // Malformed multipart bodies
        c.add(form("form with another boundary", at + "hostile/m1",
                "--other\r\nContent-Disposition: form-data; name=\"file\"; filename=\"f\"\r\n\r\nx\r\n--other--\r\n"));
        c.add(form("form without its closing boundary", at + "hostile/m2", file("file", "text/plain")));
        c.add(form("form with a field after the file", at + "hostile/m3", file("file", "text/plain") + field("region", "us-east-1") + END));
        c.add(form("form with two files", at + "hostile/m4", file("file", "text/plain") + file("files", "text/plain") + END));
        c.add(form("form with a file part of another name", at + "hostile/m5", file("upload", "text/plain") + END));
        c.add(form("form with an unknown field", at + "hostile/m6", field("acl", "public-read") + file("file", "text/plain") + END));
        c.add(form("form without a file", at + "hostile/m7", field("region", "us-east-1") + END));
        c.add(form("form key field with traversal", "bucket=" + b, field("key", "hostile/../x") + file("file", "text/plain") + END));
        c.add(form("form key field with CR LF", "bucket=" + b, field("key", "hostile/a\r\nb") + file("file", "text/plain") + END));
        c.add(form("form key field differs from the query", at + "hostile/m8", field("key", "hostile/m9") + file("file", "text/plain") + END));
        c.add(form("form part headers without an end", at + "hostile/m10",
                "--" + BOUNDARY + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"f\"\r\nmust not be stored"));
        c.add(form("form part without Content-Disposition", at + "hostile/m11",
                "--" + BOUNDARY + "\r\nContent-Type: text/plain\r\n\r\nmust not be stored\r\n" + END));
        c.add(form("form with a 64 KiB part header", at + "hostile/m12", "--" + BOUNDARY + "\r\nContent-Disposition: form-data;"
                + " name=\"file\"; filename=\"" + "f".repeat(65536) + "\"\r\n\r\nmust not be stored\r\n" + END));
        c.add(form("form of garbage", at + "hostile/m13", "\u0000\u0001\u00ff garbage"));
        // Bodies and lengths
        c.add(raw("PUT with a negative Content-Length", "PUT /item?" + at + "hostile/l1 HTTP/1.1\r\n" + AUTH
                + "Content-Length: -1\r\n", null).atHttpLayer());
        c.add(raw("PUT with a non-numeric Content-Length", "PUT /item?" + at + "hostile/l2 HTTP/1.1\r\n" + AUTH
                + "Content-Length: abc\r\n", null).atHttpLayer());
        c.add(raw("PUT with a Content-Length and chunked", "PUT /item?" + at + "hostile/l3 HTTP/1.1\r\n" + AUTH
                + "Transfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\nzz\r\n", null).atHttpLayer());
        // Huge headers and targets
        c.add(raw("32 KiB header", "GET /item?" + at + "hostile/h1 HTTP/1.1\r\n" + AUTH + "X-Big: " + "x".repeat(32768) + "\r\n", null));
        c.add(raw("2000 headers", "GET /item?" + at + "hostile/h2 HTTP/1.1\r\n" + AUTH
                + "X-Many: y\r\n".repeat(2000), null));
        c.add(get("16 KiB target", at + "hostile/" + "t".repeat(16384)));
        // Methods
        c.add(raw("DELETE /item", "DELETE /item?" + at + "hostile/d HTTP/1.1\r\n" + AUTH, null));
        // Bad credentials
        c.add(raw("no credential", "GET /item?" + at + "hostile/c1 HTTP/1.1\r\n", null));
        c.add(raw("wrong key on PUT", "PUT /item?" + at + "hostile/c2 HTTP/1.1\r\nAuthorization: Bearer nope\r\n",
                "must not be stored".getBytes(StandardCharsets.UTF_8)));
        c.add(raw("truncated key on POST", "POST /item?" + at + "hostile/c3 HTTP/1.1\r\nAuthorization: Bearer "
                + TestAuth.KEY.substring(0, 10) + "\r\nContent-Type: multipart/form-data; boundary=" + BOUNDARY + "\r\n",
                (file("file", "text/plain") + END).getBytes(StandardCharsets.UTF_8)));
        c.add(raw("over-long credential", "GET /item?" + at + "hostile/c4 HTTP/1.1\r\nAuthorization: Bearer "
                + "o".repeat(8500) + "\r\n", null));
        c.add(raw("credential with a control", "GET /item?" + at + "hostile/c5 HTTP/1.1\r\nAuthorization: Bearer "
                + TestAuth.KEY + "\u0001\r\n", null).atHttpLayer());
        c.add(raw("wrong credential before the right one", "PUT /item?" + at + "hostile/c6 HTTP/1.1\r\n"
                + "Authorization: Bearer nope\r\n" + AUTH, "must not be stored".getBytes(StandardCharsets.UTF_8)));
        c.add(raw("basic credential", "POST /credentials HTTP/1.1\r\nAuthorization: Basic dGVzdDp0ZXN0\r\n", new byte[0]));
        return c;
    }

    /** Malformed percent-escapes on the JAX-RS routes and the upload routes. */
    static List<Hostile> malformedEscapes(String b) {
        String at = "bucket=" + b + "&key=";
        return List.of(
                get("bad escape", at + "hostile/%zz"),
                get("truncated escape", at + "hostile/%E"),
                get("lone percent in bucket", "bucket=%&key=hostile/x"),
                uploadUrl("bad escape on upload-url", at + "hostile/%G1"),
                put("bad escape on PUT", at + "hostile/%zz", ""),
                form("bad escape on POST", at + "hostile/%", field("region", "us-east-1") + file("file", "text/plain") + END));
    }

    static Stream<Arguments> cases() {
        return corpus().stream().map(Arguments::of);
    }

    @BeforeAll
    static void listBefore() {
        storedBefore = everythingStored();
    }

    @AfterAll
    static void nothingWasStored() {
        Set<String> after = everythingStored();
        after.removeAll(storedBefore);
        assertEquals(Set.of(), after, "the corpus left this in S3");
    }

    @Test
    void theCorpusHasAtLeastFiftyRequests() {
        assertTrue(corpus().size() >= 50, "corpus of " + corpus().size());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void isRefusedWithA4xxJsonErrorAndStoresNothing(Hostile hostile) {
        List<String> before = Upstream.stored("hostile");
        RawHttp.Answer answer = RawHttp.send(hostile.head(), hostile.body());
        assertTrue(answer.status() >= 400 && answer.status() < 500, hostile.label() + ": " + answer);
        boolean bareHttpLayerLimit = (answer.status() == 414 || answer.status() == 431) && !answer.isJson();
        if (hostile.httpLayer()) {
            assertEquals(400, answer.status(), hostile.label() + ": " + answer);
        } else if (!bareHttpLayerLimit) {
            assertTrue(answer.isJson(), hostile.label() + " answers JSON: " + answer);
            assertTrue(answer.errorCode() != null && !answer.errorCode().isBlank(), hostile.label() + ": " + answer);
        }
        assertEquals(before, Upstream.stored("hostile"), hostile.label() + " stored nothing");
    }

    static Set<String> everythingStored() {
        Set<String> keys = new HashSet<>();
        LocalS3Sts.admin().listObjectsV2Paginator(l -> l.bucket(LocalS3Sts.bucket()))
                .contents().subscribe(object -> keys.add(object.key())).join();
        LocalS3Sts.admin().listMultipartUploadsPaginator(l -> l.bucket(LocalS3Sts.bucket()))
                .uploads().subscribe(upload -> keys.add("upload:" + upload.key() + ":" + upload.uploadId())).join();
        return keys;
    }
}
