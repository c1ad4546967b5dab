package io.s3broker.upload;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.path.json.JsonPath;
import io.s3broker.testing.LocalS3Sts;
import io.s3broker.testing.LocalS3StsResource;
import io.s3broker.testing.RandomBytes;
import io.s3broker.testing.TestAuth;

/** Every bad upload gets a clear JSON error, and leaves no object and no open multipart upload. */
@QuarkusTest
@TestProfile(UploadProfile.class)
@WithTestResource(LocalS3StsResource.class)
class UploadFailureTest {

    static final long MIB = 1 << 20;

    @TestHTTPResource("/")
    URI base;

    String key = "failure/" + UUID.randomUUID();

    @Test
    void refusesFieldsAfterTheFileAndLeavesNothing() throws Exception {
        HttpResponse<String> response = uploads().post("", List.<String[]>of(new String[] { "bucket", LocalS3Sts.bucket() }),
                "files", 20 * MIB, 3, List.<String[]>of(new String[] { "key", key })).get();
        expectError(response, 400, "MissingParameter", "before the file part");
        assertNothingLeft(key);
    }

    /**
     * With a Content-Length, the broker streams the file on the promise that nothing but the closing boundary follows
     * it; a field after it breaks that promise, even one given before too.
     */
    @ParameterizedTest(name = "field {0} after the file, chunked: {1}")
    @CsvSource({ "region, false", "region, true", "key, false" })
    void refusesAFieldThatComesAfterAnUploadedFileAndAbortsIt(String field, boolean chunked) throws Exception {
        long aborts = Uploads.metric("AbortMultipartUpload");
        HttpResponse<String> response = uploads().post("", List.<String[]>of(new String[] { "bucket", LocalS3Sts.bucket() },
                new String[] { "key", key }), "files", 20 * MIB, 3, List.<String[]>of(new String[] { field, "us-east-1" }),
                "\r\n", chunked).get();
        expectError(response, 400, "InvalidRequest", "[" + field + "] came after it");
        assertNothingLeft(key);
        assertTrue(Uploads.metric("AbortMultipartUpload") > aborts, "the multipart upload was aborted");
    }

    @Test
    void refusesAFormWithoutFile() throws Exception {
        HttpResponse<String> response = uploads().postRaw(Uploads.destination(key),
                HttpRequest.BodyPublishers.ofString(Uploads.fields(List.<String[]>of(new String[] { "region", "us-east-1" }))
                        + "--" + Uploads.BOUNDARY + "--\r\n")).get();
        expectError(response, 400, "MissingParameter", "file part");
    }

    @Test
    void refusesAFormThatEndsWithoutItsClosingBoundaryAndLeavesNothing() throws Exception {
        // More than a part, so that a multipart upload is open when the body ends short.
        byte[] file = new byte[(int) (12 * MIB)];
        new RandomBytes(file.length, 9).read(file, 0, file.length);
        byte[] head = ("--" + Uploads.BOUNDARY + "\r\nContent-Disposition: form-data; name=\"files\"; filename=\"a\"\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII);
        byte[] body = Arrays.copyOf(head, head.length + file.length);
        System.arraycopy(file, 0, body, head.length, file.length);
        HttpResponse<String> response = uploads().postRaw(Uploads.destination(key), HttpRequest.BodyPublishers.ofByteArray(body)).get();
        expectError(response, 400, "InvalidRequest", "closing boundary");
        assertNothingLeft(key);
    }

    @Test
    void refusesASecondFilePartAndLeavesNothing() throws Exception {
        String second = "--" + Uploads.BOUNDARY + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"b\"\r\n\r\nxyz\r\n";
        HttpResponse<String> response = uploads().post(Uploads.destination(key), List.of(), "files", 1000, 4,
                List.<String[]>of()).thenCompose(ignored -> uploads().postRaw(Uploads.destination(key + "-2"),
                HttpRequest.BodyPublishers.ofString(second + second + "--" + Uploads.BOUNDARY + "--\r\n"))).get();
        expectError(response, 400, "InvalidRequest", "exactly one file part");
        assertNothingLeft(key + "-2");
        Uploads.delete(key);
    }

    @Test
    void refusesUnknownFieldsAndParts() throws Exception {
        expectError(uploads().post("", List.<String[]>of(new String[] { "bucket", LocalS3Sts.bucket() }, new String[] { "key", key },
                new String[] { "colour", "blue" }), "files", 10, 5, List.of()).get(), 400, "InvalidRequest", "colour");
        expectError(uploads().post(Uploads.destination(key), List.of(), "attachment", 10, 5, List.of()).get(), 400,
                "InvalidRequest", "'files' or 'file'");
        assertNothingLeft(key);
    }

    @Test
    void refusesAnythingButAFormOnPost() {
        given().queryParam("bucket", LocalS3Sts.bucket()).queryParam("key", key).contentType("application/json").body("{}")
                .when().post("/item")
                .then().statusCode(415).body("error.code", org.hamcrest.Matchers.equalTo("UnsupportedMediaType"));
    }

    @Test
    void validatesTheDestinationOfAPut() {
        given().queryParam("bucket", "Not_A_Bucket").queryParam("key", key).body("x")
                .when().put("/item")
                .then().statusCode(400).body("error.code", org.hamcrest.Matchers.equalTo("InvalidParameter"));
        given().queryParam("bucket", LocalS3Sts.bucket()).body("x")
                .when().put("/item")
                .then().statusCode(400).body("error.code", org.hamcrest.Matchers.equalTo("MissingParameter"));
    }

    @Test
    void refusesADeclaredLengthOverTheLimitBeforeReadingIt() throws Exception {
        HttpResponse<String> response = uploads().put(key, UploadProfile.MAX_SIZE + 1, 6, false).get();
        expectError(response, 413, "PayloadTooLarge", "maximum size");
        assertNothingLeft(key);
    }

    @Test
    void stopsAChunkedUploadAtTheLimitAndLeavesNothing() throws Exception {
        HttpResponse<String> response = uploads().put(key, UploadProfile.MAX_SIZE + 5 * MIB, 7, true).get();
        expectError(response, 413, "PayloadTooLarge", "maximum size");
        assertNothingLeft(key);
    }

    /** Chunked, the limit is found as the file streams; with a Content-Length, before any of it is read. */
    @ParameterizedTest(name = "chunked: {0}")
    @ValueSource(booleans = { true, false })
    void stopsAFormUploadAtTheLimitAndLeavesNothing(boolean chunked) throws Exception {
        HttpResponse<String> response = uploads().postForm(key, UploadProfile.MAX_SIZE + 5 * MIB, 8, chunked).get();
        expectError(response, 413, "PayloadTooLarge", "maximum size");
        assertNothingLeft(key);
    }

    @Test
    void cleansUpAfterAClientThatDisconnectsDuringAMultipartUpload() throws Exception {
        long aborts = Uploads.metric("AbortMultipartUpload");
        uploads().sendAndDisconnect("PUT /item?" + Uploads.destination(key) + " HTTP/1.1\r\nHost: localhost\r\n" + TestAuth.HEADER_LINE
                + "Transfer-Encoding: chunked\r\n\r\n", 30 * MIB);
        assertNothingLeft(key);
        assertTrue(Uploads.metric("AbortMultipartUpload") > aborts, "the multipart upload was aborted");
    }

    /**
     * S3 stores nothing of a PutObject cut short whatever the broker does, so an empty bucket proves little here: the
     * broker must also notice the client is gone and end the upload (cancelling its PutObject) at once, not hold
     * it, and its S3 connection, until the idle timeout.
     */
    @Test
    void cleansUpAfterAClientThatDisconnectsDuringAStreamedPut() throws Exception {
        double broken = Uploads.sample("broker_upload_outcomes_total", "reason=\"broken_body\"");
        uploads().sendAndDisconnect("PUT /item?" + Uploads.destination(key) + " HTTP/1.1\r\nHost: localhost\r\n" + TestAuth.HEADER_LINE
                + "Content-Length: " + (60 * MIB) + "\r\n\r\n", 20 * MIB);
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (Uploads.sample("broker_upload_outcomes_total", "reason=\"broken_body\"") <= broken) {
            assertTrue(System.nanoTime() < deadline, "the upload did not end within 10 s of its client going");
            Thread.sleep(100);
        }
        assertNothingLeft(key);
    }

    /** Chunked, the file goes in buffered parts; with a Content-Length, most of it in one streamed part. */
    @ParameterizedTest(name = "chunked: {0}")
    @ValueSource(booleans = { true, false })
    void cleansUpAfterAClientThatDisconnectsDuringAForm(boolean chunked) throws Exception {
        long aborts = Uploads.metric("AbortMultipartUpload");
        String head = Uploads.fields(List.<String[]>of(new String[] { "bucket", LocalS3Sts.bucket() }, new String[] { "key", key }))
                + "--" + Uploads.BOUNDARY + "\r\nContent-Disposition: form-data; name=\"files\"; filename=\"f\"\r\n\r\n";
        String request = "POST /item HTTP/1.1\r\nHost: localhost\r\n" + TestAuth.HEADER_LINE + "Content-Type: multipart/form-data; boundary="
                + Uploads.BOUNDARY + "\r\n" + (chunked
                        ? "Transfer-Encoding: chunked\r\n\r\n" + Integer.toHexString(head.length()) + "\r\n" + head + "\r\n"
                        : "Content-Length: " + (100 * MIB) + "\r\n\r\n" + head);
        uploads().sendAndDisconnect(request, 30 * MIB);
        assertNothingLeft(key);
        assertTrue(Uploads.metric("AbortMultipartUpload") > aborts, "the multipart upload was aborted");
    }

    private Uploads uploads() {
        return new Uploads(base);
    }

    static void expectError(HttpResponse<String> response, int status, String code, String messagePart) {
        assertEquals(status, response.statusCode(), response.body());
        assertTrue(response.headers().firstValue("content-type").orElse("").startsWith("application/json"));
        JsonPath body = JsonPath.from(response.body());
        assertFalse(body.getBoolean("success"));
        assertEquals(code, body.getString("error.code"), response.body());
        assertTrue(body.getString("error.message").contains(messagePart), response.body());
    }

    /** No object and no open multipart upload under the key (cleanup may finish just after the answer). */
    static void assertNothingLeft(String key) throws InterruptedException {
        long deadline = System.nanoTime() + 15_000_000_000L;
        while (true) {
            boolean exists = Uploads.exists(key);
            int open = Uploads.openMultipartUploads(key);
            if (!exists && open == 0) {
                return;
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("left behind under " + key + ": object=" + exists + ", open multipart uploads=" + open);
            }
            Thread.sleep(200);
        }
    }

}
