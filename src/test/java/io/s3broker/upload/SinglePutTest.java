package io.s3broker.upload;

import static io.s3broker.upload.EngineHarness.PART;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.time.Duration;

import org.junit.jupiter.api.Test;

import io.s3broker.s3.S3Failure;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;

/**
 * A body of known length as one streamed PutObject ({@link SinglePut}), against a stub S3 on a loop and clock driven
 * by hand: it arrives whole, short, broken off, stalled or trickling, S3 stalls, or shutdown comes.
 */
class SinglePutTest {

    final EngineHarness h = new EngineHarness();

    private void start(long length) {
        h.start(harness -> new SinglePut(harness.target, length, harness.settings(), harness.store, harness.loop));
    }

    @Test
    void aBodyOfKnownLengthIsOneStreamedPutObject() throws Exception {
        start(3 * PART + 11);
        byte[] body = h.client.sendAndEnd(3 * PART + 11);
        UploadResult done = h.result();
        assertEquals(body.length, done.size());
        assertEquals("put-etag", done.etag());
        assertArrayEquals(body, h.s3.calls("PutObject").get(0).body().bytes());
        assertEquals(1, h.s3.calls.size());
        PutObjectRequest put = (PutObjectRequest) h.s3.calls("PutObject").get(0).request();
        assertEquals("application/x-test", put.contentType());
        assertEquals(0, h.pool.inUse() + h.pool.waiting(), "a body of known length needs no part buffer");
    }

    @Test
    void anEmptyBodyWithAContentLengthOfZeroIsOnePutObjectOfNothing() throws Exception {
        start(0);
        h.client.end();
        assertEquals(0, h.result().size());
        assertEquals(1, h.s3.calls("PutObject").size());
    }

    @Test
    void aBodyShorterThanItsContentLengthFails() throws Exception {
        start(PART);
        h.client.sendAndEnd(PART - 1);
        assertEquals(UploadFailure.Kind.BROKEN_BODY, h.failureKind());
        h.assertNothingLeft();
    }

    @Test
    void aClientThatGoesDuringThePutCancelsIt() throws Exception {
        start(10L * PART);
        h.client.send(PART);
        assertEquals(1, h.s3.calls("PutObject").size());
        h.client.fail(new IOException("connection reset"));
        assertEquals(UploadFailure.Kind.BROKEN_BODY, h.failureKind());
        assertTrue(h.s3.calls("PutObject").get(0).future().isCompletedExceptionally());
        h.assertNothingLeft();
    }

    @Test
    void aStalledClientIsCancelledAtTheIdleBound() throws Exception {
        start(10L * PART);
        h.client.send(PART);
        h.loop.advance(h.idle.minusMillis(1));
        assertFalse(h.upload.result().isDone(), "not before the idle timeout");
        h.loop.advance(Duration.ofMillis(1));
        assertEquals(UploadFailure.Kind.IDLE, h.failureKind());
        assertTrue(h.s3.calls("PutObject").get(0).future().isCancelled(), "the SDK's own future was cancelled");
    }

    @Test
    void aClientThatTricklesBelowTheLeastRateIsCutAtTheEndOfTheWindow() throws Exception {
        h.minRate = 1000;
        start(10L * PART);
        for (int second = 1; second < h.idle.toSeconds(); second++) {
            h.client.send(100, 100);
            h.loop.advance(Duration.ofSeconds(1));
            assertFalse(h.upload.result().isDone(), "cut after " + second + " s, before the window is over");
        }
        h.loop.advance(Duration.ofSeconds(1));
        assertEquals(UploadFailure.Kind.TOO_SLOW, h.failureKind());
        assertTrue(h.s3.calls("PutObject").get(0).future().isCancelled());
    }

    @Test
    void s3ThatTakesNoBytesTimesOut() throws Exception {
        h.minRate = 1000;
        h.s3.stall = true;
        start(10L * PART);
        h.client.send(PART);
        h.loop.advance(h.idle);
        assertEquals(S3Failure.Kind.TIMEOUT, assertInstanceOf(S3Failure.class, h.failure()).kind());
    }

    @Test
    void shutdownCancelsThePut() throws Exception {
        start(10L * PART);
        h.client.send(PART);
        h.upload.abort(UploadFailure.shuttingDown());
        assertEquals(UploadFailure.Kind.SHUTTING_DOWN, h.failureKind());
        assertTrue(h.s3.calls("PutObject").get(0).future().isCancelled());
    }

    @Test
    void shutdownLetsAPutWhoseWholeBodyIsInFinish() throws Exception {
        h.s3.holdPutAnswers = true;
        start(PART);
        h.client.sendAndEnd(PART);
        assertTrue(h.s3.calls("PutObject").get(0).body().done.isDone(), "S3 has read the whole body");
        h.upload.abort(UploadFailure.shuttingDown());
        h.loop.run();
        assertFalse(h.upload.result().isDone(), "not failed: only S3's answer is missing");
        assertEquals(Upload.Phase.BODY_IN, h.upload.phase);
        assertFalse(h.s3.calls("PutObject").get(0).future().isCancelled());
    }
}
