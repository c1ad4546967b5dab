package io.s3broker.upload;

import static io.s3broker.upload.EngineHarness.OWNER;
import static io.s3broker.upload.EngineHarness.PART;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayOutputStream;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

import org.junit.jupiter.api.Test;

import io.s3broker.auth.Caller;
import io.s3broker.s3.ObjectLocation;
import io.s3broker.s3.WriteTarget;

/**
 * {@link AppendUpload} against the stub S3 on a loop driven by hand: how the bytes of its parts reach the SDK.
 * Parts are numbered by their offset in MiB (docs/decisions/0031-resumable-upload-tails.md): with the harness's
 * 2 MiB parts, the upload's parts are S3's numbers 1, 3, 5...
 */
class AppendUploadTest {

    private static final long UNIT = 1 << 20;

    final EngineHarness h = new EngineHarness();

    private void start(long length) {
        WriteTarget tail = new WriteTarget(new ObjectLocation("eu-west-1", "bucket", ".tus/key"), Optional.empty(),
                Optional.empty(), h.target.scope());
        AppendRequest request = new AppendRequest(new Caller(OWNER), h.target, "u1", 0, UNIT, length, null, tail,
                at -> Map.of("tus-tail-at", Long.toString(at)), null);
        h.start(harness -> new AppendUpload(request, OWNER, harness.settings(), harness.store, harness.pool,
                harness.loop));
    }

    @Test
    void everyByteOfAPartGoesFromTheCopySoTheNextPartWaitsForItsAnswerAndTheBytesStayIntact() throws Exception {
        // Part 1's call keeps the slices it was handed until told to answer, as the SDK's HTTP client may. Its bytes
        // are all slices of the upload's copy (none of the client's chunks, which the SDK would copy again): the next
        // part, which starts at the same place of the one-part ring, may write nothing before that answer.
        h.s3.heldParts.put(1, new CompletableFuture<>());
        int length = 3 * PART + 5;
        start(length);
        byte[] body = h.client.send(length);
        assertEquals(1, h.s3.calls("UploadPart").size(), "part 2 waits for part 1's answer: " + h.s3.calls);
        h.s3.answer(1);
        h.client.end();
        assertEquals(length, h.result().size());
        assertArrayEquals(body, stored(), "no slice was written over before its call answered");
        h.assertEverythingReleased();
    }

    /** The last successful attempt of every part, in the order of their numbers. */
    private byte[] stored() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        h.s3.calls("UploadPart").stream()
                .filter(c -> c.future().isDone() && !c.future().isCompletedExceptionally())
                .sorted((a, b) -> Integer.compare(a.partNumber(), b.partNumber()))
                .forEach(c -> out.writeBytes(c.body().bytes()));
        return out.toByteArray();
    }
}
