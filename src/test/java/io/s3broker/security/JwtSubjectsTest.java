package io.s3broker.security;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import io.s3broker.auth.Caller;
import io.s3broker.testing.LocalS3Sts;
import io.s3broker.testing.LocalS3StsResource;

/**
 * JWT subjects of any shape are callers of their own under templated entries, each in its own key segment; a subject
 * that cannot be a caller (empty, longer than Caller.MAX_NAME_BYTES) is 401. And no client input forges or splits a
 * log line: subjects and keys with CR, LF, NEL and U+2028 reach the log file escaped, in audit lines and elsewhere.
 */
@QuarkusTest
@TestProfile(JwtSubjectsTest.JwtTemplated.class)
@WithTestResource(LocalS3StsResource.class)
class JwtSubjectsTest {

    static final String FORGED = "FORGED caller=admin action=vend outcome=granted";
    static final List<String> BREAKS = List.of("\r", "\n", "\u0085", "\u2028");

    public static class JwtTemplated implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            String b = LocalS3Sts.bucket();
            return Map.of("broker.auth.mode", "jwt",
                    "mp.jwt.verify.publickey", JwtKeys.publicKeyBase64(),
                    "mp.jwt.verify.issuer", JwtKeys.ISSUER,
                    "mp.jwt.verify.audiences", JwtKeys.AUDIENCE,
                    "broker.access.read", b + "/jwt/{caller}/",
                    "broker.access.write", b + "/jwt/{caller}/," + b + "/uploads/{caller}/",
                    "broker.companion.bucket", b,
                    "broker.prefetch-on-start", "false");
        }
    }

    static final ObjectMapper JSON = new ObjectMapper();

    /** A log line's message: the "message" of a JSON line, or the line itself. */
    static String message(String line) {
        try {
            JsonNode node = JSON.readTree(line);
            return node != null && node.has("message") ? node.get("message").asText() : line;
        } catch (Exception notJson) {
            return line;
        }
    }

    static String bearer(String subject) {
        return "Bearer " + JwtKeys.validToken(subject);
    }

    static int put(String subject, String key) {
        return given().header("Authorization", bearer(subject)).queryParam("bucket", LocalS3Sts.bucket())
                .queryParam("key", key).body("by " + subject).when().put("/item").then().extract().statusCode();
    }

    static int get(String subject, String key) {
        return given().header("Authorization", bearer(subject)).queryParam("bucket", LocalS3Sts.bucket())
                .queryParam("key", key).queryParam("check", "false").when().get("/item").then().extract().statusCode();
    }

    @Test
    void subjectsOfAnyShapeAreCallersOfTheirOwn() {
        String run = UUID.randomUUID().toString();
        List<String> subjects = List.of("auth0|123", "alice@example.com", "0f8fad5b-d9cb-469f-a165-70867728950e", "..",
                "a/b", "%2E%2E", "user 42", "ünïcödé", "x".repeat(Caller.MAX_NAME_BYTES));
        for (String subject : subjects) {
            String key = "jwt/" + Caller.keySegment(subject) + "/" + run;
            assertEquals(201, put(subject, key), subject);
            assertEquals(List.of(key), Upstream.stored(key), subject + ": stored under its own segment");
            assertEquals(200, get(subject, key), subject);
        }
        for (String subject : subjects) {
            for (String other : subjects) {
                if (!other.equals(subject)) {
                    String key = "jwt/" + Caller.keySegment(other) + "/" + run;
                    assertEquals(403, get(subject, key), subject + " reads " + other + "'s");
                    assertEquals(403, put(subject, key + "-overwrite"), subject + " writes " + other + "'s");
                }
            }
        }
        // ".." is not a path: its segment is %2E%2E, and nothing of its callers' lands above jwt/.
        assertEquals(List.of(), Upstream.stored(run));
    }

    @Test
    void aSubjectThatCannotBeACallerIs401() {
        for (String subject : List.of("", "   ", "x".repeat(Caller.MAX_NAME_BYTES + 1), "ü".repeat(65))) {
            RawHttp.Answer answer = RawHttp.send("GET /item?bucket=" + LocalS3Sts.bucket() + "&key=jwt/k HTTP/1.1\r\n"
                    + "Authorization: " + bearer(subject) + "\r\n", null);
            assertEquals(401, answer.status(), subject.length() + " characters: " + answer);
            assertEquals("Unauthorized", answer.errorCode());
        }
    }

    @Test
    void subjectsAndKeysWithLineBreaksNeverStartOrSplitALogLine() {
        long offset = Upstream.logSize();
        String run = UUID.randomUUID().toString();
        for (String line : BREAKS) {
            String subject = "mallory" + line + FORGED;
            String segment = Caller.keySegment(subject);
            // A grant (presigned GET), a denial (another's key) and an upload, each audited with the subject.
            assertEquals(200, get(subject, "jwt/" + segment + "/" + run));
            assertEquals(403, get(subject, "jwt/someone/" + run));
            // Keys: a line separator S3 takes in a key; and the Companion key parameter, which is checked against
            // the caller's own keys and logged when it is not one.
            String key = "jwt/" + segment + "/" + run + (line.equals("\u2028") ? line + FORGED : "");
            assertEquals(201, put(subject, key), key);
            given().header("Authorization", bearer(subject)).queryParam("key", "uploads/x" + line + FORGED)
                    .when().get("/s3/multipart/{id}", "upload-1").then().statusCode(403);
            given().header("Authorization", bearer(subject)).contentType(ContentType.JSON)
                    .body("{\"parts\":[{\"PartNumber\":1,\"ETag\":\"x\"}]}").queryParam("key", line + FORGED)
                    .when().post("/s3/multipart/{id}/complete", "upload-2").then().statusCode(403);
        }
        // The test log is JSON, which escapes CR and LF itself: judge each line's message, as a plain log shows it.
        List<String> messages = Upstream.logSince(offset).stream().map(JwtSubjectsTest::message).toList();
        String written = String.join("\n", messages);
        for (String escaped : List.of("\\r", "\\n", "\\u0085", "\\u2028")) {
            assertTrue(messages.stream().anyMatch(m -> m.contains("caller=\"mallory" + escaped + FORGED + "\"")),
                    "the subject with " + escaped + ", escaped, in an audit line:\n" + written);
        }
        assertTrue(messages.stream().anyMatch(m -> m.contains("target=\"uploads/x\\n" + FORGED + "\"")),
                "the Companion key, escaped, in its audit line:\n" + written);
        assertTrue(messages.stream().anyMatch(m -> m.startsWith("Uploaded ") && m.contains("\\u2028" + FORGED)),
                "the key, escaped, in the upload's debug line:\n" + written);
        for (String message : messages) {
            for (String separator : BREAKS) {
                assertFalse(message.contains(separator), "a raw U+" + Integer.toHexString(separator.charAt(0))
                        + " in a log line: " + message);
            }
            assertFalse(message.startsWith("FORGED"), "a line starts with client input: " + message);
        }
    }

    /** Raw bytes in the request line (never percent-encoded) reach no log line raw either, the access log's included. */
    @Test
    void rawLineBreaksInTheRequestLineReachNoLogLine() {
        long offset = Upstream.logSize();
        byte[][] targets = { "/junk\u0085FORGED".getBytes(StandardCharsets.ISO_8859_1),
            ("/item?bucket=" + LocalS3Sts.bucket() + "&key=jwt/x\u2028FORGED").getBytes(StandardCharsets.UTF_8),
            "/junk\u0085FORGED".getBytes(StandardCharsets.UTF_8) };
        for (byte[] target : targets) {
            java.io.ByteArrayOutputStream head = new java.io.ByteArrayOutputStream();
            head.writeBytes("GET ".getBytes(StandardCharsets.US_ASCII));
            head.writeBytes(target);
            head.writeBytes((" HTTP/1.1\r\nAuthorization: " + bearer("raw") + "\r\n").getBytes(StandardCharsets.US_ASCII));
            RawHttp.Answer answer = RawHttp.send(head.toByteArray(), null);
            assertTrue(answer.status() >= 400, answer.toString());
        }
        List<String> messages = Upstream.logSince(offset).stream().map(JwtSubjectsTest::message).toList();
        for (String message : messages) {
            for (String separator : BREAKS) {
                assertFalse(message.contains(separator), "a raw U+" + Integer.toHexString(separator.charAt(0))
                        + " in a log line: " + message);
            }
            assertFalse(message.contains("\u00c2\u0085") || message.contains("\u00e2\u0080\u00a8"),
                    "a line break's UTF-8 bytes, read as Latin-1: " + message);
        }
    }
}
