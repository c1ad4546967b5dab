package io.s3broker.tus;

import static io.s3broker.tus.TusClient.key;
import static io.s3broker.tus.TusClient.openUploads;
import static io.s3broker.tus.TusClient.parts;
import static io.s3broker.tus.TusClient.slice;
import static io.s3broker.tus.TusClient.stateKey;
import static io.s3broker.tus.TusClient.storedSha256;
import static io.s3broker.tus.TusClient.uploadId;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.function.LongPredicate;

import org.junit.jupiter.api.Test;

import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.s3broker.testing.LocalS3Sts;
import io.s3broker.testing.LocalS3StsResource;
import io.s3broker.testing.Metrics;
import io.s3broker.testing.RandomBytes;
import software.amazon.awssdk.core.async.AsyncRequestBody;
import software.amazon.awssdk.services.s3.model.Part;

/**
 * A client that gives up on a PATCH (its network stalled) and resumes in a new one while the broker still runs the
 * first: when the first ends late, what it keeps must not undo what the second stored. Parts of 8 MiB (the profile).
 */
@QuarkusTest
@TestProfile(TusProtocolTest.Tus.class)
@WithTestResource(LocalS3StsResource.class)
class TusOvertakenPatchTest {

    static final long MIB = 1 << 20;
    static final String PREFIX = TusProtocolTest.PREFIX;

    final TusClient tus = TusClient.ofTestCaller();

    /** The first PATCH ends after the second stored a longer first part: it keeps nothing, the second completes. */
    @Test
    void aPatchEndingLateKeepsNothingOverAPartAnotherStoredSince() throws Exception {
        long length = 20 * MIB;
        long seed = 31;
        String url = tus.create(length, null);
        String key = key(PREFIX, url);
        try (TusClient.OpenPatch first = tus.patchOpen(url, 0, seed, length, 6 * MIB);
                TusClient.OpenPatch second = tus.patchOpen(url, 0, seed, length, 12 * MIB)) {
            awaitPart(key, uploadId(url), 1, size -> size == 8 * MIB);
            first.close();
            awaitUploadsRunning(1);
            assertEquals(8 * MIB, parts(key, uploadId(url)).orElseThrow().get(0).size(), "the first part stays whole");
            second.send(length - 12 * MIB);
            String answer = second.answer();
            assertTrue(answer.startsWith("HTTP/1.1 204"), answer);
        }
        assertEquals(RandomBytes.sha256(slice(seed, 0, length)), storedSha256(key));
        assertTrue(TusClient.headObject(stateKey(PREFIX, url)).isEmpty(), "no state left");
        assertEquals(List.of(), openUploads(key));
    }

    /**
     * Another request (on another broker) keeps a shorter first part while this PATCH runs: the completion is a
     * conflict, not S3's failure, and HEAD follows what S3 holds. (That upload cannot be completed on Ceph RGW 16,
     * which refuses a completion that leaves out a part it holds: docs/decisions/0031-resumable-upload-tails.md.)
     */
    @Test
    void aPartChangedByAnotherRequestMakesTheCompletionAConflictNotAnS3Failure() throws Exception {
        long length = 20 * MIB;
        long seed = 32;
        String url = tus.create(length, null);
        String key = key(PREFIX, url);
        try (TusClient.OpenPatch patch = tus.patchOpen(url, 0, seed, length, 12 * MIB)) {
            awaitPart(key, uploadId(url), 1, size -> size == 8 * MIB);
            // What a late PATCH of this file would keep of the first part: its first 6 MiB, the same bytes.
            LocalS3Sts.admin().uploadPart(u -> u.bucket(LocalS3Sts.bucket()).key(key).uploadId(uploadId(url))
                    .partNumber(1).contentLength(6 * MIB), AsyncRequestBody.fromBytes(slice(seed, 0, 6 * MIB)
                    .readAllBytes())).join();
            patch.send(length - 12 * MIB);
            String answer = patch.answer();
            assertTrue(answer.startsWith("HTTP/1.1 409") && answer.contains("\"code\":\"Conflict\""), answer);
        }
        assertEquals(6 * MIB, tus.offset(url), "HEAD follows what S3 holds");
        assertEquals(204, tus.delete(url).statusCode());
        assertEquals(List.of(), openUploads(key));
        assertTrue(TusClient.headObject(stateKey(PREFIX, url)).isEmpty(), "no state left");
    }

    private static void awaitPart(String key, String uploadId, int number, LongPredicate size) throws Exception {
        long until = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (System.nanoTime() < until) {
            if (parts(key, uploadId).orElse(List.of()).stream()
                    .anyMatch(part -> part.partNumber() == number && size.test(part.size()))) {
                return;
            }
            Thread.sleep(50);
        }
        throw new AssertionError("part " + number + " never stored: " + parts(key, uploadId).map(p -> p.stream()
                .map(Part::size).toList()));
    }

    private static void awaitUploadsRunning(int count) throws Exception {
        long until = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (System.nanoTime() < until) {
            if (Metrics.lines("broker_uploads_in_flight").stream().allMatch(line -> line.endsWith(" " + count + ".0"))) {
                return;
            }
            Thread.sleep(50);
        }
        throw new AssertionError("not " + count + " uploads running: " + Metrics.lines("broker_uploads_in_flight"));
    }
}
