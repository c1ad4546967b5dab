package io.s3broker.tus;

import static io.s3broker.tus.TusClient.headObject;
import static io.s3broker.tus.TusClient.key;
import static io.s3broker.tus.TusClient.parts;
import static io.s3broker.tus.TusClient.slice;
import static io.s3broker.tus.TusClient.stateKey;
import static io.s3broker.tus.TusClient.storedSha256;
import static io.s3broker.tus.TusClient.uploadId;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.http.HttpResponse;
import java.util.List;

import org.junit.jupiter.api.Test;

import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.s3broker.testing.LocalS3StsResource;
import io.s3broker.testing.Metrics;
import io.s3broker.testing.RandomBytes;

/**
 * A PATCH never writes a part number again right after cutting that part's streamed call (Ceph RGW 16 can lose such a
 * part's data: docs/decisions/0031-resumable-upload-tails.md): the part a declared length ends inside, and the
 * object's last part, go to S3 once, from memory; the bytes of a part whose call was cut go to the tail. Parts of
 * 8 MiB (the profile).
 */
@QuarkusTest
@TestProfile(TusProtocolTest.Tus.class)
@WithTestResource(LocalS3StsResource.class)
class TusShortPatchTest {

    static final long MIB = 1 << 20;

    final TusClient tus = TusClient.ofTestCaller();

    @Test
    void aPatchEndingInsideAPartWritesItOnceAndTheNextGoesOn() {
        long length = 20 * MIB;
        long seed = 41;
        String url = tus.create(length, null);
        String key = key(TusProtocolTest.PREFIX, url);
        long before = uploadPartCalls();
        // 7 MiB: past the 5 MiB after which a part's call starts streaming, short of the 8 MiB part.
        HttpResponse<String> first = tus.patch(url, 0, seed, 0, 7 * MIB);
        assertEquals(204, first.statusCode(), first.body());
        assertEquals(1, uploadPartCalls() - before, "one UploadPart for the part the PATCH ended inside");
        assertEquals(7 * MIB, parts(key, uploadId(url)).orElseThrow().get(0).size());
        HttpResponse<String> rest = tus.patch(url, 7 * MIB, seed, 7 * MIB, length - 7 * MIB);
        assertEquals(204, rest.statusCode(), rest.body());
        assertEquals(RandomBytes.sha256(slice(seed, 0, length)), storedSha256(key));
    }

    /**
     * Without a Content-Length the body's end is known only once it comes: the part it ended inside had streamed and
     * its call is cut, so its bytes are kept as the tail, not written as that part number again at once.
     */
    @Test
    void aChunkedPatchEndingInsideAStreamedPartKeepsItAsTheTail() {
        long length = 20 * MIB;
        long seed = 42;
        String url = tus.create(length, null);
        String key = key(TusProtocolTest.PREFIX, url);
        long before = uploadPartCalls();
        HttpResponse<String> first = tus.patchChunked(url, 0, seed, 0, 7 * MIB);
        assertEquals(204, first.statusCode(), first.body());
        assertEquals(1, uploadPartCalls() - before, "only the streamed call, cut where the body ended");
        assertEquals(List.of(), parts(key, uploadId(url)).orElseThrow());
        assertEquals(7 * MIB, headObject(stateKey(TusProtocolTest.PREFIX, url)).orElseThrow().contentLength());
        assertEquals(7 * MIB, tus.offset(url));
        HttpResponse<String> rest = tus.patch(url, 7 * MIB, seed, 7 * MIB, length - 7 * MIB);
        assertEquals(204, rest.statusCode(), rest.body());
        assertEquals(RandomBytes.sha256(slice(seed, 0, length)), storedSha256(key));
    }

    /** The object's last part is known from Upload-Length: a chunked PATCH that reaches it sends it once. */
    @Test
    void aChunkedPatchReachingTheEndSendsTheLastPartOnce() {
        long length = 15 * MIB; // a full part of 8 MiB, then 7 MiB: past the 5 MiB after which a part streams
        long seed = 43;
        String url = tus.create(length, null);
        String key = key(TusProtocolTest.PREFIX, url);
        long before = uploadPartCalls();
        HttpResponse<String> all = tus.patchChunked(url, 0, seed, 0, length);
        assertEquals(204, all.statusCode(), all.body());
        assertEquals(2, uploadPartCalls() - before, "one UploadPart per part");
        assertEquals(RandomBytes.sha256(slice(seed, 0, length)), storedSha256(key));
    }

    private static long uploadPartCalls() {
        return Metrics.lines("broker_s3_requests_seconds_count").stream()
                .filter(line -> line.contains("operation=\"UploadPart\""))
                .mapToLong(line -> (long) Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1))).sum();
    }
}
