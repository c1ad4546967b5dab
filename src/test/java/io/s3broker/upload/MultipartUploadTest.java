package io.s3broker.upload;

import static io.s3broker.upload.EngineHarness.CHUNK;
import static io.s3broker.upload.EngineHarness.MAX;
import static io.s3broker.upload.EngineHarness.OWNER;
import static io.s3broker.upload.EngineHarness.PART;
import static io.s3broker.upload.EngineHarness.STREAM_AFTER;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import org.junit.jupiter.api.Test;

import io.s3broker.s3.S3Failure;
import software.amazon.awssdk.services.s3.model.CompleteMultipartUploadRequest;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.CreateMultipartUploadResponse;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.model.UploadPartRequest;

/**
 * Every order of events that can end a {@link MultipartUpload}, against a stub S3 (no Ceph) on a loop and clock
 * driven by hand: the body ends (before, inside or at the end of a part), the client goes, the size limit, a part
 * fails before or after another failure, S3 or the client stall or trickle, shutdown, no part buffer. Each case
 * checks the outcome, that nothing is left (an abort for every multipart upload created and not completed), that the
 * buffer went back, and that every call was signed with the scope's credentials.
 */
class MultipartUploadTest {

    final EngineHarness h = new EngineHarness();

    private void start(BodyLength length) {
        h.start(harness -> new MultipartUpload(harness.target, length, OWNER, harness.settings(), harness.store,
                harness.pool, harness.loop));
    }

    // --- the body ends ---

    @Test
    void anEmptyChunkedBodyIsOnePutObjectOfNothing() throws Exception {
        start(BodyLength.declared(-1));
        h.client.end();
        UploadResult done = h.result();
        assertEquals(0, done.size());
        assertEquals(0, h.s3.calls("PutObject").get(0).body().size());
        assertEquals(1, h.s3.calls.size(), "one PutObject, no multipart upload");
        h.assertEverythingReleased();
    }

    @Test
    void aBodySmallerThanWhatStartsAStreamIsOnePutObjectFromTheCopy() throws Exception {
        start(BodyLength.declared(-1));
        byte[] body = h.client.sendAndEnd(100_000);
        assertEquals(100_000, h.result().size());
        assertArrayEquals(body, h.s3.calls("PutObject").get(0).body().bytes());
        assertEquals(1, h.s3.calls.size());
        h.assertEverythingReleased();
    }

    @Test
    void aBodyThatEndsInsideAStreamedPartSendsThatPartAgainFromTheCopy() throws Exception {
        start(BodyLength.declared(-1));
        byte[] body = h.client.sendAndEnd(2 * PART + 3 * CHUNK + 5);
        UploadResult done = h.result();
        assertEquals(body.length, done.size());
        assertEquals("head-etag", done.etag(), "an empty ETag of CompleteMultipartUpload is asked of HeadObject");
        assertArrayEquals(body, h.s3.assembled());
        // Parts 1 and 2 streamed; part 3, shorter than what starts a stream, from the copy only.
        assertEquals(3, h.s3.calls("UploadPart").size());
        assertEquals(0, h.s3.calls("AbortMultipartUpload").size());
        h.assertEverythingReleased();
    }

    @Test
    void aLastPartCutShortAfterItsStreamStartedIsCancelledAndResentUnderTheNextNumber() throws Exception {
        start(BodyLength.declared(-1));
        int last = STREAM_AFTER + 5 * CHUNK + 7;
        byte[] body = h.client.send(PART + last);
        assertEquals(2, h.s3.calls("UploadPart").size(), "part 2 streams once it has its first bytes");
        h.client.end();
        assertEquals(body.length, h.result().size());
        assertArrayEquals(body, h.s3.assembled());
        var cut = h.s3.calls("UploadPart").stream().filter(c -> c.partNumber() == 2).toList();
        assertEquals(1, cut.size(), "part 2 streamed, cancelled when the body ended inside it, and not sent again");
        assertTrue(cut.get(0).future().isCompletedExceptionally());
        var resent = h.s3.calls("UploadPart").stream().filter(c -> c.partNumber() == 3).toList();
        assertEquals(1, resent.size(), "its bytes from the copy as part 3 (RGW 16 can lose a part rewritten at once)");
        assertEquals(last, resent.get(0).body().size());
        var complete = (CompleteMultipartUploadRequest) h.s3.calls("CompleteMultipartUpload").get(0).request();
        assertEquals(List.of(1, 3), complete.multipartUpload().parts().stream().map(CompletedPart::partNumber).toList());
        h.assertEverythingReleased();
    }

    @Test
    void aBodyThatEndsAtAPartBoundarySendsNoPartAgain() throws Exception {
        start(BodyLength.declared(-1));
        byte[] body = h.client.sendAndEnd(3 * PART);
        assertEquals(body.length, h.result().size());
        assertArrayEquals(body, h.s3.assembled());
        assertEquals(3, h.s3.calls("UploadPart").size());
        assertEquals(3, ((CompleteMultipartUploadRequest) h.s3.calls("CompleteMultipartUpload").get(0).request())
                .multipartUpload().parts().stream().map(CompletedPart::partNumber).distinct().count());
    }

    @Test
    void thePartAfterAPartWhoseCallHoldsSlicesOfTheCopyWaitsForItsAnswerBeforeWritingOverThem() throws Exception {
        // Part 1's call keeps the slices of the copy it was handed (its first bytes) and reads them only once told
        // to answer, as the SDK may: part 2 fills the ring after part 1's first bytes, and must stop short of them.
        h.s3.heldParts.put(1, new CompletableFuture<>());
        start(BodyLength.declared(-1));
        byte[] body = h.client.send(3 * PART + 5);
        assertEquals(2, h.s3.calls("UploadPart").size(), "no part 3 yet");
        long part2 = h.s3.calls("UploadPart").get(1).body().size();
        assertTrue(part2 < PART, "part 2 waits for part 1's answer: it has " + part2 + " bytes");
        assertFalse(h.upload.clientsTurn(), "the chunks held back are the upload's to feed, not the client's to send");
        h.s3.answer(1);
        h.client.end();
        assertEquals(body.length, h.result().size());
        assertArrayEquals(body, h.s3.assembled(), "no slice was written over before its call answered");
        h.assertEverythingReleased();
    }

    @Test
    void partsOfUnknownLengthGoRoundTheCopyIntact() throws Exception {
        start(BodyLength.declared(-1));
        // Each part hands its first bytes from the copy, so the next one starts further round the ring and wraps.
        byte[] body = h.client.sendAndEnd(7 * PART + PART / 2 + 3 * CHUNK + 1);
        assertEquals(body.length, h.result().size());
        assertArrayEquals(body, h.s3.assembled());
        h.assertEverythingReleased();
    }

    @Test
    void theLastPartFromTheCopyWaitsForTheMultipartUploadToExist() throws Exception {
        CompletableFuture<CreateMultipartUploadResponse> create = new CompletableFuture<>();
        h.s3.create = create;
        start(BodyLength.declared(-1));
        // Part 1 fills while CreateMultipartUpload is unanswered; part 2 ends within its first bytes.
        byte[] body = h.client.sendAndEnd(PART + 3 * CHUNK);
        assertEquals(0, h.s3.calls("UploadPart").size());
        create.complete(CreateMultipartUploadResponse.builder().uploadId("u1").build());
        assertEquals(body.length, h.result().size());
        assertArrayEquals(body, h.s3.assembled());
        for (var part : h.s3.calls("UploadPart")) {
            assertEquals("u1", ((UploadPartRequest) part.request()).uploadId());
        }
    }

    @Test
    void aCreateThatFailsWhileTheLastPartWaitsForItFailsTheUpload() throws Exception {
        CompletableFuture<CreateMultipartUploadResponse> create = new CompletableFuture<>();
        h.s3.create = create;
        start(BodyLength.declared(-1));
        // Part 1 streams (its call waits for the upload), and the body ends inside it.
        h.client.sendAndEnd(STREAM_AFTER + CHUNK);
        create.completeExceptionally(S3Exception.builder().statusCode(403).message("denied").build());
        assertEquals(S3Failure.Kind.ACCESS_DENIED, assertInstanceOf(S3Failure.class, h.failure()).kind());
        assertEquals(0, h.s3.calls("UploadPart").size());
        h.assertNothingLeft();
    }

    @Test
    void aBodyOfKnownLengthGoesInStreamedPartsWithoutABuffer() throws Exception {
        start(BodyLength.declared(3 * PART + 11));
        byte[] body = h.client.sendAndEnd(3 * PART + 11);
        assertEquals(body.length, h.result().size());
        assertArrayEquals(body, h.s3.assembled());
        assertEquals(4, h.s3.calls("UploadPart").size(), "each part once: its length is known");
        assertEquals(0, h.pool.waiting());
    }

    @Test
    void aBodyShorterThanItsDeclaredLengthFailsAndLeavesNothing() throws Exception {
        start(BodyLength.declared(3 * PART));
        h.client.sendAndEnd(PART + 10);
        assertEquals(UploadFailure.Kind.BROKEN_BODY, h.failureKind());
        h.assertNothingLeft();
    }

    @Test
    void aFormWithAContentLengthStreamsItsLeastLengthAsPartOneAndTheRestFromTheCopy() throws Exception {
        start(BodyLength.atLeast(3 * PART));
        byte[] body = h.client.sendAndEnd(3 * PART + 1000);
        assertEquals(body.length, h.result().size());
        assertArrayEquals(body, h.s3.assembled());
        assertEquals(3 * PART, h.s3.calls("UploadPart").get(0).body().size());
    }

    @Test
    void aFormThatTurnsOutInvalidAfterItsFileFailsWithItsOwnAnswerAndLeavesNothing() throws Exception {
        start(BodyLength.declared(-1));
        h.client.send(2 * PART + 100);
        assertEquals(0, h.s3.calls("CompleteMultipartUpload").size(), "the file's stream has not completed");
        UploadFailure invalid = new UploadFailure(UploadFailure.Kind.REJECTED, "a field after the file");
        h.client.fail(invalid);
        assertSame(invalid, h.failure());
        h.assertNothingLeft();
    }

    // --- the client goes, or sends too much ---

    @Test
    void aClientThatGoesMidPartCancelsItsStreamedPartAndAbortsTheUpload() throws Exception {
        start(BodyLength.declared(-1));
        h.client.send(PART + STREAM_AFTER + CHUNK);
        assertEquals(2, h.s3.calls("UploadPart").size());
        h.client.fail(new IOException("connection reset"));
        assertEquals(UploadFailure.Kind.BROKEN_BODY, h.failureKind());
        h.assertNothingLeft();
        assertTrue(h.s3.calls("UploadPart").get(1).future().isCompletedExceptionally(), "the streamed part was cut off");
    }

    @Test
    void aBodyOverTheLimitStopsTheUploadAndAbortsIt() throws Exception {
        start(BodyLength.declared(-1));
        h.client.send((int) MAX + CHUNK);
        assertEquals(UploadFailure.Kind.TOO_LARGE, h.failureKind());
        assertTrue(h.client.cancelled, "the client's stream was cancelled");
        h.assertNothingLeft();
    }

    // --- S3 fails ---

    @Test
    void aPartThatFailsWhileTheNextStreamsFailsTheUploadOnceEveryCallIsOver() throws Exception {
        S3Exception broken = (S3Exception) S3Exception.builder().statusCode(500).message("boom").build();
        h.s3.partFailure = part -> part.partNumber() == 1 ? broken : null;
        start(BodyLength.declared(-1));
        h.client.send(4 * PART);
        S3Failure failure = assertInstanceOf(S3Failure.class, h.failure());
        assertEquals(S3Failure.Kind.UPSTREAM, failure.kind());
        assertSame(broken, failure.getCause());
        h.assertNothingLeft();
        assertTrue(h.client.cancelled);
    }

    @Test
    void aPartThatFailsAfterTheClientWentKeepsTheFirstFailure() throws Exception {
        S3Exception broken = (S3Exception) S3Exception.builder().statusCode(500).message("boom").build();
        h.s3.partFailure = part -> broken;
        h.s3.stall = true;
        start(BodyLength.atLeast(3 * PART));
        h.client.send(CHUNK);
        assertEquals(1, h.s3.calls("UploadPart").size());
        h.client.fail(new IOException("connection reset"));
        assertEquals(UploadFailure.Kind.BROKEN_BODY, h.failureKind());
        h.assertNothingLeft();
    }

    @Test
    void aCreateThatFailsFailsTheUploadWithNothingToAbort() throws Exception {
        S3Exception denied = (S3Exception) S3Exception.builder().statusCode(403).message("denied").build();
        h.s3.create = CompletableFuture.failedFuture(denied);
        start(BodyLength.declared(-1));
        h.client.send(2 * PART);
        assertEquals(S3Failure.Kind.ACCESS_DENIED, assertInstanceOf(S3Failure.class, h.failure()).kind());
        assertEquals(0, h.s3.calls("AbortMultipartUpload").size());
        assertEquals(0, h.s3.calls("UploadPart").size());
        h.assertEverythingReleased();
    }

    // --- stalls and trickles, on the loop's clock ---

    @Test
    void s3ThatTakesNoBytesTimesOutAtTheIdleBoundAndTheUploadIsAborted() throws Exception {
        h.minRate = 1000; // a window without progress is S3's doing here, not the client's
        h.s3.stall = true;
        start(BodyLength.declared(-1));
        h.client.send(2 * PART);
        h.loop.advance(h.idle.minusMillis(1));
        assertFalse(h.upload.result().isDone(), "not before the idle timeout");
        h.loop.advance(Duration.ofMillis(1));
        assertEquals(S3Failure.Kind.TIMEOUT, assertInstanceOf(S3Failure.class, h.failure()).kind());
        h.assertNothingLeft();
    }

    @Test
    void aClientThatSendsNothingTimesOutAtTheIdleBoundAndTheUploadIsAborted() throws Exception {
        start(BodyLength.declared(-1));
        h.client.send(PART + STREAM_AFTER + CHUNK);
        h.loop.advance(h.idle.minusMillis(1));
        assertFalse(h.upload.result().isDone(), "not before the idle timeout");
        h.loop.advance(Duration.ofMillis(1));
        assertEquals(UploadFailure.Kind.IDLE, h.failureKind());
        h.assertNothingLeft();
    }

    @Test
    void aClientThatTricklesBelowTheLeastRateIsCutAtTheEndOfTheWindow() throws Exception {
        h.minRate = 1000;
        start(BodyLength.declared(-1));
        // 100 bytes a second: always some progress, so the idle bound alone would never end it.
        for (int second = 1; second < h.idle.toSeconds(); second++) {
            h.client.send(100, 100);
            h.loop.advance(Duration.ofSeconds(1));
            assertFalse(h.upload.result().isDone(), "cut after " + second + " s, before the window is over");
        }
        h.loop.advance(Duration.ofSeconds(1));
        assertEquals(UploadFailure.Kind.TOO_SLOW, h.failureKind());
        h.assertNothingLeft();
    }

    @Test
    void aClientAtTheLeastRateIsNotCut() throws Exception {
        h.minRate = 1000;
        start(BodyLength.declared(-1));
        for (int second = 0; second < 3 * h.idle.toSeconds(); second++) {
            h.client.send(1100, 1100);
            h.loop.advance(Duration.ofSeconds(1));
        }
        h.client.end();
        assertEquals(3 * h.idle.toSeconds() * 1100, h.result().size());
    }

    // --- shutdown, and no buffer ---

    @Test
    void shutdownCancelsTheCallsForRealAndAbortsTheUpload() throws Exception {
        h.s3.stall = true;
        start(BodyLength.atLeast(3 * PART));
        h.client.send(CHUNK);
        h.upload.abort(UploadFailure.shuttingDown());
        assertEquals(UploadFailure.Kind.SHUTTING_DOWN, h.failureKind());
        assertTrue(h.s3.calls("UploadPart").get(0).future().isCancelled(), "the SDK's own future was cancelled");
        h.assertNothingLeft();
    }

    @Test
    void shutdownLetsAnUploadWhoseWholeBodyIsInFinish() throws Exception {
        h.s3.heldParts.put(2, new CompletableFuture<>());
        start(BodyLength.declared(-1));
        byte[] body = h.client.sendAndEnd(2 * PART);
        h.upload.abort(UploadFailure.shuttingDown());
        h.loop.run();
        assertEquals(Upload.Phase.BODY_IN, h.upload.phase, "only S3's answer to part 2 is missing");
        assertFalse(h.s3.calls("UploadPart").get(1).future().isCancelled());
        h.s3.answer(2);
        assertEquals(body.length, h.result().size());
    }

    @Test
    void shutdownWhileWaitingForABufferEndsTheUploadAtOnce() throws Exception {
        h.pool = new PartBufferPool(PART, PART, 0, (inUse, waiting) -> {
        });
        ByteBuffer held = h.pool.acquire("someone else").get();
        start(BodyLength.declared(-1));
        h.upload.abort(UploadFailure.shuttingDown());
        assertEquals(UploadFailure.Kind.SHUTTING_DOWN, h.failureKind());
        assertEquals(0, h.client.requested, "nothing was read");
        assertEquals(0, h.pool.waiting());
        h.pool.release("someone else", held);
        h.loop.run();
        assertEquals(0, h.pool.inUse(), "the buffer went back to the pool, not to the upload that ended");
    }

    @Test
    void anUploadWithoutABufferWithinTheWaitIsRefusedAndReadsNothing() throws Exception {
        h.pool = new PartBufferPool(PART, PART, 0, (inUse, waiting) -> {
        });
        ByteBuffer held = h.pool.acquire("someone else").get();
        h.bufferWait = Duration.ofMillis(200);
        start(BodyLength.declared(-1));
        h.loop.advance(Duration.ofMillis(199));
        assertFalse(h.upload.result().isDone(), "not before the buffer wait is over");
        h.loop.advance(Duration.ofMillis(1));
        assertEquals(UploadFailure.Kind.BUSY, h.failureKind());
        assertEquals(0, h.client.requested, "nothing was read");
        assertTrue(h.s3.calls.isEmpty());
        h.pool.release("someone else", held);
        assertEquals(0, h.pool.inUse());
    }

    @Test
    void aBufferThatFreesWithinTheWaitStartsTheUpload() throws Exception {
        h.pool = new PartBufferPool(PART, PART, 0, (inUse, waiting) -> {
        });
        ByteBuffer held = h.pool.acquire("someone else").get();
        start(BodyLength.declared(-1));
        h.loop.advance(h.bufferWait.minusMillis(1));
        h.pool.release("someone else", held);
        byte[] body = h.client.sendAndEnd(1000);
        h.loop.advance(Duration.ofMillis(1));
        assertArrayEquals(body, h.s3.calls("PutObject").get(0).body().bytes());
        assertEquals(1000, h.result().size());
        assertEquals(0, h.loop.pendingTimers(), "no bound left running");
    }
}
