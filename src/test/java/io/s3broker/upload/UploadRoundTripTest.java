package io.s3broker.upload;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.URI;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.UUID;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.path.json.JsonPath;
import io.s3broker.testing.LocalS3Sts;
import io.s3broker.testing.LocalS3StsResource;
import io.s3broker.testing.RandomBytes;

/**
 * Every size that matters around the 16 MiB part size, byte for byte, through each way in. Public, with public tests,
 * because it.UploadIT runs the same tests against the packaged broker by extending it.
 */
@QuarkusTest
@TestProfile(UploadProfile.class)
@WithTestResource(LocalS3StsResource.class)
public class UploadRoundTripTest {

    static final long MIB = 1 << 20;

    @TestHTTPResource("/")
    URI base;

    @ParameterizedTest(name = "PUT with Content-Length, {0} bytes")
    @ValueSource(longs = { 0, 1, 5 * MIB, 16 * MIB - 1, 16 * MIB, 16 * MIB + 1, 100 * MIB })
    public void putWithKnownLength(long size) throws Exception {
        String key = "roundtrip/put-known/" + size + "-" + UUID.randomUUID();
        check(key, size, size, new Uploads(base).put(key, size, size, false).get());
    }

    @ParameterizedTest(name = "PUT chunked, {0} bytes")
    @ValueSource(longs = { 0, 1, 5 * MIB, 16 * MIB - 1, 16 * MIB, 16 * MIB + 1, 100 * MIB })
    public void putChunked(long size) throws Exception {
        String key = "roundtrip/put-chunked/" + size + "-" + UUID.randomUUID();
        check(key, size, size + 1, new Uploads(base).put(key, size, size + 1, true).get());
    }

    /** With a Content-Length, all of a large file but the last 64 KiB or so goes in one streamed part. */
    @ParameterizedTest(name = "POST form with Content-Length, {0} bytes")
    @ValueSource(longs = { 0, 1, 5 * MIB, 16 * MIB - 1, 16 * MIB, 16 * MIB + 1, 16 * MIB + 64 * 1024 + 200, 100 * MIB })
    public void postForm(long size) throws Exception {
        String key = "roundtrip/post/" + size + "-" + UUID.randomUUID();
        check(key, size, size + 2, new Uploads(base).postForm(key, size, size + 2).get());
    }

    @ParameterizedTest(name = "POST form chunked, {0} bytes")
    @ValueSource(longs = { 0, 16 * MIB + 1, 100 * MIB })
    public void postChunkedForm(long size) throws Exception {
        String key = "roundtrip/post-chunked/" + size + "-" + UUID.randomUUID();
        check(key, size, size + 3, new Uploads(base).postForm(key, size, size + 3, true).get());
    }

    /**
     * What may follow the file decides how many of its bytes are sure to come: with the longest epilogue the
     * broker takes, the streamed first part is the whole file; with none, 64 KiB and the closing CRLF are left.
     */
    @ParameterizedTest(name = "POST form with Content-Length and an epilogue of {0} bytes")
    @ValueSource(ints = { 0, 1, 2, 64 * 1024 - 1, 64 * 1024 })
    public void postFormWithEpilogue(int epilogue) throws Exception {
        long size = 20 * MIB + 3;
        String key = "roundtrip/post-epilogue/" + epilogue + "-" + UUID.randomUUID();
        String text = ("\r\n" + "e".repeat(Math.max(0, epilogue - 2))).substring(0, epilogue);
        long parts = Uploads.metric("UploadPart");
        check(key, size, epilogue, new Uploads(base).post("", List.<String[]>of(new String[] { "bucket", LocalS3Sts.bucket() },
                new String[] { "key", key }), "file", size, epilogue, List.of(), text, false).get());
        assertEquals(epilogue == 64 * 1024 ? 1 : 2, Uploads.metric("UploadPart") - parts, "parts of the upload");
    }

    private static void check(String key, long size, long seed, HttpResponse<String> response) {
        assertEquals(201, response.statusCode(), response.body());
        JsonPath body = JsonPath.from(response.body());
        assertEquals(true, body.getBoolean("success"));
        assertEquals(key, body.getString("key"));
        assertEquals(size, body.getLong("size"));
        String etag = body.getString("etag");
        assertEquals(true, etag != null && etag.length() > 2, "etag: " + etag);
        assertEquals(RandomBytes.sha256(size, seed), Uploads.storedSha256(key), "stored bytes of " + key);
        Uploads.delete(key);
    }
}
