package io.s3broker.upload;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Arrays;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.Flow;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.s3broker.aws.RegionClients;
import io.s3broker.credentials.CachedCredentialsProvider;
import io.s3broker.credentials.ScopeCredentials;
import io.s3broker.s3.ObjectLocation;
import io.s3broker.s3.S3CallTimer;
import io.s3broker.s3.S3Failure;
import io.vertx.core.buffer.Buffer;
import software.amazon.awssdk.awscore.AwsRequestOverrideConfiguration;
import software.amazon.awssdk.services.s3.model.CompleteMultipartUploadRequest;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * Every order of events that can end an upload, against a stub S3 (no Ceph): the body ends (before, inside or at
 * the end of a part), the client goes, the size limit, a part fails before or after another failure, S3 or the
 * client stall, shutdown, no part buffer. Each case checks the outcome, that nothing is left (an abort for every
 * multipart upload created and not completed), that the buffer went back, and that every call was signed with the
 * scope's credentials.
 */
class UploadCoordinatorTest {

    static final int PART = 2 << 20;
    static final int CHUNK = 64 << 10;
    static final long MAX = 40L << 20;
    /** What starts a part's stream with parts of {@link #PART}: half a part. */
    static final int STREAM_AFTER = PART / 2;

    final ScheduledExecutorService thread = Executors.newSingleThreadScheduledExecutor();
    final UploadCoordinator.Loop loop = new UploadCoordinator.Loop() {
        @Override
        public void execute(Runnable task) {
            thread.execute(task);
        }

        @Override
        public Runnable schedule(long millis, Runnable task) {
            var scheduled = thread.schedule(task, millis, TimeUnit.MILLISECONDS);
            return () -> scheduled.cancel(false);
        }
    };
    final StubS3 s3 = new StubS3();
    final CachedCredentialsProvider provider = new CachedCredentialsProvider(null);
    final UploadTarget target = new UploadTarget(new ObjectLocation("eu-west-1", "bucket", "key"), "application/x-test",
            Optional.empty(), new ScopeCredentials(null, "test", null, provider));
    PartBufferPool pool = new PartBufferPool(PART, 2L * PART, (inUse, waiting) -> {
    });
    Duration idle = Duration.ofSeconds(30);
    Duration bufferWait = Duration.ofSeconds(30);
    final CompletableFuture<Void> gate = new CompletableFuture<>();
    UploadCoordinator upload;
    Client client;

    @AfterEach
    void stop() {
        thread.shutdownNow();
    }

    // --- the body ends ---

    @Test
    void anEmptyChunkedBodyIsOnePutObjectOfNothing() throws Exception {
        start(BodyLength.declared(-1));
        client.end();
        UploadResult done = result();
        assertEquals(0, done.size());
        assertEquals(0, s3.calls("PutObject").get(0).body().size());
        assertEquals(1, s3.calls.size(), "one PutObject, no multipart upload");
        assertEverythingReleased();
    }

    @Test
    void anEmptyBodyWithAContentLengthOfZeroIsOnePutObjectOfNothing() throws Exception {
        start(BodyLength.declared(0));
        client.end();
        assertEquals(0, result().size());
        assertEquals(1, s3.calls("PutObject").size());
    }

    @Test
    void aBodySmallerThanWhatStartsAStreamIsOnePutObjectFromTheCopy() throws Exception {
        start(BodyLength.declared(-1));
        byte[] body = client.sendAndEnd(100_000);
        assertEquals(100_000, result().size());
        assertArrayEquals(body, s3.calls("PutObject").get(0).body().bytes());
        assertEquals(1, s3.calls.size());
        assertEverythingReleased();
    }

    @Test
    void aBodyThatEndsInsideAStreamedPartSendsThatPartAgainFromTheCopy() throws Exception {
        start(BodyLength.declared(-1));
        byte[] body = client.sendAndEnd(2 * PART + 3 * CHUNK + 5);
        UploadResult done = result();
        assertEquals(body.length, done.size());
        assertEquals("head-etag", done.etag(), "an empty ETag of CompleteMultipartUpload is asked of HeadObject");
        assertArrayEquals(body, s3.assembled());
        // Parts 1 and 2 streamed; part 3, shorter than what starts a stream, from the copy only.
        assertEquals(3, s3.calls("UploadPart").size());
        assertEquals(0, s3.calls("AbortMultipartUpload").size());
        assertEverythingReleased();
    }

    @Test
    void aLastPartCutShortAfterItsStreamStartedIsCancelledAndResent() throws Exception {
        start(BodyLength.declared(-1));
        int last = STREAM_AFTER + 5 * CHUNK + 7;
        byte[] body = client.send(PART + last);
        awaitCalls("UploadPart", 2);
        client.end();
        assertEquals(body.length, result().size());
        assertArrayEquals(body, s3.assembled());
        var attempts = s3.calls("UploadPart").stream().filter(c -> c.partNumber() == 2).toList();
        assertEquals(2, attempts.size(), "part 2 streamed, cancelled when the body ended inside it, then resent");
        assertTrue(attempts.get(0).future().isCompletedExceptionally());
        assertEquals(last, attempts.get(1).body().size());
        var complete = (CompleteMultipartUploadRequest) s3.calls("CompleteMultipartUpload").get(0).request();
        assertEquals(2, complete.multipartUpload().parts().size());
        assertEverythingReleased();
    }

    @Test
    void aBodyThatEndsAtAPartBoundarySendsNoPartAgain() throws Exception {
        start(BodyLength.declared(-1));
        byte[] body = client.sendAndEnd(3 * PART);
        assertEquals(body.length, result().size());
        assertArrayEquals(body, s3.assembled());
        assertEquals(3, s3.calls("UploadPart").size());
        assertEquals(3, ((CompleteMultipartUploadRequest) s3.calls("CompleteMultipartUpload").get(0).request())
                .multipartUpload().parts().stream().map(CompletedPart::partNumber).distinct().count());
    }

    @Test
    void thePartAfterAPartWhoseCallHoldsSlicesOfTheCopyWaitsForItsAnswerBeforeWritingOverThem() throws Exception {
        // Part 1's call keeps the slices of the copy it was handed (its first bytes) and reads them only once told
        // to answer, as the SDK may: part 2 fills the ring after part 1's first bytes, and must stop short of them.
        s3.heldParts.put(1, new CompletableFuture<>());
        start(BodyLength.declared(-1));
        byte[] body = client.send(3 * PART + 5);
        awaitCalls("UploadPart", 2);
        long part2Before = 0;
        for (int i = 0; i < 20; i++) {
            Thread.sleep(10);
            part2Before = s3.calls("UploadPart").get(1).body().size();
        }
        assertTrue(part2Before < PART, "part 2 waits for part 1's answer: it has " + part2Before + " bytes");
        assertEquals(2, s3.calls("UploadPart").size(), "no part 3 yet");
        s3.answer(1);
        client.end();
        assertEquals(body.length, result().size());
        assertArrayEquals(body, s3.assembled(), "no slice was written over before its call answered");
        assertEverythingReleased();
    }

    @Test
    void partsOfUnknownLengthGoRoundTheCopyIntact() throws Exception {
        start(BodyLength.declared(-1));
        // Each part hands its first bytes from the copy, so the next one starts further round the ring and wraps.
        byte[] body = client.sendAndEnd(7 * PART + PART / 2 + 3 * CHUNK + 1);
        assertEquals(body.length, result().size());
        assertArrayEquals(body, s3.assembled());
        assertEverythingReleased();
    }

    @Test
    void aBodyOfKnownLengthIsOneStreamedPutObject() throws Exception {
        start(BodyLength.declared(3 * PART + 11));
        byte[] body = client.sendAndEnd(3 * PART + 11);
        assertEquals(body.length, result().size());
        assertArrayEquals(body, s3.calls("PutObject").get(0).body().bytes());
        assertEquals(1, s3.calls.size());
        assertEquals(0, pool.inUse(), "a body of known length needs no part buffer");
    }

    @Test
    void aFormWithAContentLengthStreamsItsLeastLengthAsPartOneAndTheRestFromTheCopy() throws Exception {
        start(BodyLength.atLeast(3 * PART));
        byte[] body = client.sendAndEnd(3 * PART + 1000);
        assertEquals(body.length, result().size());
        assertArrayEquals(body, s3.assembled());
        assertEquals(3 * PART, s3.calls("UploadPart").get(0).body().size());
    }

    @Test
    void nothingIsCommittedBeforeTheGateOpensAndAFailedGateAbortsTheUpload() throws Exception {
        start(BodyLength.declared(-1), false);
        client.sendAndEnd(2 * PART + 100);
        Thread.sleep(200);
        assertEquals(0, s3.calls("CompleteMultipartUpload").size(), "the form is not over yet");
        IllegalArgumentException invalid = new IllegalArgumentException("a field after the file");
        gate.completeExceptionally(invalid);
        assertSame(invalid, failure());
        assertNothingLeft();
    }

    // --- the client goes, or sends too much ---

    @Test
    void aClientThatGoesMidPartCancelsItsStreamedPartAndAbortsTheUpload() throws Exception {
        start(BodyLength.declared(-1));
        client.send(PART + STREAM_AFTER + CHUNK);
        awaitCalls("UploadPart", 2);
        client.fail(new java.io.IOException("connection reset"));
        UploadFailure failure = assertInstanceOf(UploadFailure.class, failure());
        assertEquals(UploadFailure.Kind.BROKEN_BODY, failure.kind());
        assertNothingLeft();
        assertTrue(s3.calls("UploadPart").get(1).future().isCompletedExceptionally(), "the streamed part was cut off");
    }

    @Test
    void aClientThatGoesDuringAPutOfKnownLengthCancelsThePut() throws Exception {
        start(BodyLength.declared(10L * PART));
        client.send(PART);
        awaitCalls("PutObject", 1);
        client.fail(new java.io.IOException("connection reset"));
        assertEquals(UploadFailure.Kind.BROKEN_BODY, ((UploadFailure) failure()).kind());
        assertTrue(s3.calls("PutObject").get(0).future().isCompletedExceptionally());
    }

    @Test
    void aBodyOverTheLimitStopsTheUploadAndAbortsIt() throws Exception {
        start(BodyLength.declared(-1));
        client.send((int) MAX + CHUNK);
        assertEquals(UploadFailure.Kind.TOO_LARGE, ((UploadFailure) failure()).kind());
        assertTrue(client.cancelled, "the client's stream was cancelled");
        assertNothingLeft();
    }

    // --- S3 fails ---

    @Test
    void aPartThatFailsWhileTheNextStreamsFailsTheUploadOnceEveryCallIsOver() throws Exception {
        S3Exception broken = (S3Exception) S3Exception.builder().statusCode(500).message("boom").build();
        s3.partFailure = part -> part.partNumber() == 1 ? broken : null;
        start(BodyLength.declared(-1));
        client.send(4 * PART);
        assertSame(broken, unwrap(failure()));
        assertNothingLeft();
        assertTrue(client.cancelled);
    }

    @Test
    void aPartThatFailsAfterTheClientWentKeepsTheFirstFailure() throws Exception {
        S3Exception broken = (S3Exception) S3Exception.builder().statusCode(500).message("boom").build();
        s3.partFailure = part -> broken;
        s3.stall = true;
        start(BodyLength.atLeast(3 * PART));
        client.send(CHUNK);
        awaitCalls("UploadPart", 1);
        client.fail(new java.io.IOException("connection reset"));
        assertEquals(UploadFailure.Kind.BROKEN_BODY, ((UploadFailure) failure()).kind());
        assertNothingLeft();
    }

    @Test
    void aCreateThatFailsFailsTheUploadWithNothingToAbort() throws Exception {
        S3Exception denied = (S3Exception) S3Exception.builder().statusCode(403).message("denied").build();
        s3.create = CompletableFuture.failedFuture(denied);
        start(BodyLength.declared(-1));
        client.send(2 * PART);
        assertSame(denied, unwrap(failure()));
        assertEquals(0, s3.calls("AbortMultipartUpload").size());
        assertEquals(0, s3.calls("UploadPart").size());
        assertEverythingReleased();
    }

    // --- stalls ---

    @Test
    void s3ThatTakesNoBytesTimesOutAndTheUploadIsAborted() throws Exception {
        idle = Duration.ofMillis(300);
        s3.stall = true;
        start(BodyLength.declared(-1));
        client.send(2 * PART);
        S3Failure timeout = assertInstanceOf(S3Failure.class, failure());
        assertEquals(S3Failure.Kind.TIMEOUT, timeout.kind());
        assertNothingLeft();
    }

    @Test
    void aClientThatSendsNothingTimesOutAndTheUploadIsAborted() throws Exception {
        idle = Duration.ofMillis(300);
        start(BodyLength.declared(-1));
        client.send(PART + STREAM_AFTER + CHUNK);
        UploadFailure failure = assertInstanceOf(UploadFailure.class, failure());
        assertEquals(UploadFailure.Kind.IDLE, failure.kind());
        assertNothingLeft();
    }

    @Test
    void aStalledPutOfKnownLengthIsCancelledAtTheIdleBound() throws Exception {
        idle = Duration.ofMillis(300);
        start(BodyLength.declared(10L * PART));
        client.send(PART);
        assertEquals(UploadFailure.Kind.IDLE, ((UploadFailure) failure()).kind());
        assertTrue(s3.calls("PutObject").get(0).future().isCancelled(), "the SDK's own future was cancelled");
    }

    // --- shutdown, and no buffer ---

    @Test
    void shutdownCancelsTheCallsForRealAndAbortsTheUpload() throws Exception {
        s3.stall = true;
        start(BodyLength.atLeast(3 * PART));
        client.send(CHUNK);
        awaitCalls("UploadPart", 1);
        upload.abort(UploadFailure.shuttingDown());
        assertEquals(UploadFailure.Kind.SHUTTING_DOWN, ((UploadFailure) failure()).kind());
        assertTrue(s3.calls("UploadPart").get(0).future().isCancelled(), "the SDK's own future was cancelled");
        assertNothingLeft();
    }

    @Test
    void shutdownCancelsAPutOfKnownLength() throws Exception {
        start(BodyLength.declared(10L * PART));
        client.send(PART);
        awaitCalls("PutObject", 1);
        upload.abort(UploadFailure.shuttingDown());
        assertEquals(UploadFailure.Kind.SHUTTING_DOWN, ((UploadFailure) failure()).kind());
        assertTrue(s3.calls("PutObject").get(0).future().isCancelled());
    }

    @Test
    void shutdownWhileWaitingForABufferEndsTheUploadAtOnce() throws Exception {
        pool = new PartBufferPool(PART, PART, (inUse, waiting) -> {
        });
        var held = pool.acquire(bufferWait).get();
        start(BodyLength.declared(-1));
        upload.abort(UploadFailure.shuttingDown());
        assertEquals(UploadFailure.Kind.SHUTTING_DOWN, ((UploadFailure) failure()).kind());
        assertEquals(0, client.requested, "nothing was read");
        pool.release(held);
        Thread.sleep(100);
        assertEquals(0, pool.inUse(), "the buffer that came later went back");
    }

    @Test
    void shutdownLetsAnUploadWhoseWholeBodyIsInFinish() throws Exception {
        s3.holdPutAnswers = true;
        start(BodyLength.declared(PART));
        client.sendAndEnd(PART);
        awaitCalls("PutObject", 1);
        s3.calls("PutObject").get(0).body().done.get(10, TimeUnit.SECONDS);
        onLoop(() -> {
        });
        upload.abort(UploadFailure.shuttingDown());
        Thread.sleep(100);
        assertFalse(upload.result().isDone(), "not failed: only S3's answer is missing");
        assertFalse(s3.calls("PutObject").get(0).future().isCancelled());
    }

    @Test
    void anUploadWithoutABufferWithinTheWaitIsRefusedAndReadsNothing() throws Exception {
        pool = new PartBufferPool(PART, PART, (inUse, waiting) -> {
        });
        var held = pool.acquire(bufferWait).get();
        bufferWait = Duration.ofMillis(200);
        start(BodyLength.declared(-1));
        assertEquals(UploadFailure.Kind.BUSY, ((UploadFailure) failure()).kind());
        assertEquals(0, client.requested, "nothing was read");
        assertTrue(s3.calls.isEmpty());
        pool.release(held);
        assertEquals(0, pool.inUse());
    }

    // --- the harness ---

    private void start(BodyLength length) throws Exception {
        start(length, true);
    }

    private void start(BodyLength length, boolean openGate) throws Exception {
        UploadSettings settings = new UploadSettings(PART, 4, MAX, 5L << 30, Duration.ofSeconds(30), Duration.ofSeconds(10),
                idle, bufferWait);
        MultipartSession session = new MultipartSession(new RegionClients("eu-west-1", s3, s3, null), target, settings,
                new S3CallTimer(new SimpleMeterRegistry()));
        if (openGate) {
            gate.complete(null);
        }
        upload = new UploadCoordinator(target, length, settings, session, pool, loop, gate);
        client = new Client();
        onLoop(() -> upload.onSubscribe(client));
    }

    private UploadResult result() throws Exception {
        UploadResult done = upload.result().get(10, TimeUnit.SECONDS);
        assertAllSigned();
        return done;
    }

    private Throwable failure() throws Exception {
        try {
            upload.result().get(10, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            assertAllSigned();
            return e.getCause();
        } catch (TimeoutException e) {
            throw new AssertionError("the upload did not end; calls: " + s3.calls);
        }
        throw new AssertionError("the upload succeeded");
    }

    private static Throwable unwrap(Throwable e) {
        return e instanceof java.util.concurrent.CompletionException && e.getCause() != null ? e.getCause() : e;
    }

    /** Every multipart upload created was aborted, none completed, no PutObject succeeded; the buffer is back. */
    private void assertNothingLeft() throws Exception {
        if (!s3.calls("CreateMultipartUpload").isEmpty() && !s3.calls("CreateMultipartUpload").get(0).future().isCompletedExceptionally()) {
            assertEquals(1, s3.calls("AbortMultipartUpload").size(), "aborts");
        }
        assertEquals(0, s3.calls("CompleteMultipartUpload").size());
        for (var put : s3.calls("PutObject")) {
            assertTrue(put.future().isCompletedExceptionally(), "a PutObject that stored nothing");
        }
        for (var call : s3.calls) {
            assertTrue(call.future().isDone(), "no call left running: " + call.operation());
        }
        assertEverythingReleased();
    }

    private void assertEverythingReleased() throws Exception {
        onLoop(() -> {
        });
        assertEquals(0, pool.inUse(), "part buffers still held");
    }

    private void assertAllSigned() {
        for (var call : s3.calls) {
            Optional<?> identity = call.request().overrideConfiguration()
                    .flatMap(AwsRequestOverrideConfiguration::credentialsIdentityProvider);
            assertSame(provider, identity.orElse(null), call.operation() + " is signed with the scope's credentials");
        }
    }

    private void awaitCalls(String operation, int count) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (s3.calls(operation).size() < count) {
            assertTrue(System.nanoTime() < deadline, "waited for " + count + " " + operation + ": " + s3.calls);
            Thread.sleep(10);
        }
    }

    private void onLoop(Runnable task) throws Exception {
        CompletableFuture<Void> ran = new CompletableFuture<>();
        thread.execute(() -> {
            try {
                task.run();
                ran.complete(null);
            } catch (Throwable e) {
                ran.completeExceptionally(e);
            }
        });
        ran.get(10, TimeUnit.SECONDS);
    }

    /** The client's side of the body: chunks handed over only when asked for, on the loop, like Vert.x. */
    final class Client implements Flow.Subscription {
        private final Random random = new Random(7);
        private final java.util.ArrayDeque<byte[]> queued = new java.util.ArrayDeque<>();
        private boolean endQueued;
        private Throwable failQueued;
        long requested;
        boolean cancelled;
        private boolean over;

        /** Queues {@code size} random bytes in chunks; returns them. */
        byte[] send(int size) throws Exception {
            byte[] body = new byte[size];
            random.nextBytes(body);
            onLoop(() -> {
                for (int at = 0; at < size; at += CHUNK) {
                    queued.add(Arrays.copyOfRange(body, at, Math.min(size, at + CHUNK)));
                }
                deliver();
            });
            return body;
        }

        byte[] sendAndEnd(int size) throws Exception {
            byte[] body = send(size);
            end();
            return body;
        }

        void end() throws Exception {
            onLoop(() -> {
                endQueued = true;
                deliver();
            });
        }

        /** The connection breaks at once, whatever was queued. */
        void fail(Throwable error) throws Exception {
            onLoop(() -> {
                queued.clear();
                failQueued = error;
                deliver();
            });
        }

        @Override
        public void request(long n) {
            requested += n;
            thread.execute(this::deliver);
        }

        @Override
        public void cancel() {
            cancelled = true;
            over = true;
        }

        private void deliver() {
            if (over) {
                return;
            }
            if (failQueued != null) {
                over = true;
                upload.onError(failQueued);
                return;
            }
            while (requested > 0 && !queued.isEmpty() && !over) {
                requested--;
                upload.onNext(Buffer.buffer(queued.poll()));
            }
            if (queued.isEmpty() && endQueued && !over) {
                over = true;
                upload.onComplete();
            }
        }
    }
}
