package io.s3broker.upload;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.URI;
import java.net.http.HttpResponse;
import java.util.UUID;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.path.json.JsonPath;
import io.s3broker.testing.LocalS3StsResource;
import io.s3broker.testing.RandomBytes;

/** Every size that matters around the 8 MiB part size, byte for byte, through each way in. */
@QuarkusTest
@TestProfile(UploadProfile.class)
@WithTestResource(LocalS3StsResource.class)
class UploadRoundTripTest {

    static final long MIB = 1 << 20;

    @TestHTTPResource("/")
    URI base;

    @ParameterizedTest(name = "PUT with Content-Length, {0} bytes")
    @ValueSource(longs = { 0, 1, 5 * MIB, 8 * MIB - 1, 8 * MIB, 8 * MIB + 1, 100 * MIB })
    void putWithKnownLength(long size) throws Exception {
        String key = "roundtrip/put-known/" + size + "-" + UUID.randomUUID();
        check(key, size, new Uploads(base).put(key, size, size, false).get());
    }

    @ParameterizedTest(name = "PUT chunked, {0} bytes")
    @ValueSource(longs = { 0, 1, 5 * MIB, 8 * MIB - 1, 8 * MIB, 8 * MIB + 1, 100 * MIB })
    void putChunked(long size) throws Exception {
        String key = "roundtrip/put-chunked/" + size + "-" + UUID.randomUUID();
        check(key, size, new Uploads(base).put(key, size, size + 1, true).get());
    }

    @ParameterizedTest(name = "POST form, {0} bytes")
    @ValueSource(longs = { 0, 1, 5 * MIB, 8 * MIB - 1, 8 * MIB, 8 * MIB + 1, 100 * MIB })
    void postForm(long size) throws Exception {
        String key = "roundtrip/post/" + size + "-" + UUID.randomUUID();
        check(key, size, new Uploads(base).postForm(key, size, size + 2).get());
    }

    private static void check(String key, long size, HttpResponse<String> response) {
        assertEquals(201, response.statusCode(), response.body());
        JsonPath body = JsonPath.from(response.body());
        assertEquals(true, body.getBoolean("success"));
        assertEquals(key, body.getString("key"));
        assertEquals(size, body.getLong("size"));
        String etag = body.getString("etag");
        assertEquals(true, etag != null && etag.length() > 2, "etag: " + etag);
        long seed = key.startsWith("roundtrip/put-known") ? size : key.startsWith("roundtrip/put-chunked") ? size + 1 : size + 2;
        assertEquals(RandomBytes.sha256(size, seed), Uploads.storedSha256(key), "stored bytes of " + key);
        Uploads.delete(key);
    }
}
