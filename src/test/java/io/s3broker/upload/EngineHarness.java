package io.s3broker.upload;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Flow;
import java.util.function.Function;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.s3broker.aws.RegionClients;
import io.s3broker.credentials.CachedCredentialsProvider;
import io.s3broker.credentials.ScopeCredentials;
import io.s3broker.s3.ObjectLocation;
import io.s3broker.s3.S3CallTimer;
import io.s3broker.s3.S3Store;
import io.s3broker.s3.WriteTarget;
import io.vertx.core.buffer.Buffer;
import software.amazon.awssdk.awscore.AwsRequestOverrideConfiguration;

/**
 * What the engine tests share: a stub S3 behind the real {@link S3Store}, a {@link ManualLoop}, a part buffer pool,
 * and a client that hands over its chunks only when asked, on the loop, as Vert.x does. Everything runs on the test's
 * thread: after {@link ManualLoop#run} the upload has done all it can until the client, S3 or the clock moves.
 */
final class EngineHarness {

    static final int PART = 2 << 20;
    static final int CHUNK = 64 << 10;
    static final long MAX = 40L << 20;
    /** What starts a part's stream with parts of {@link #PART}: half a part. */
    static final int STREAM_AFTER = PART / 2;
    static final String OWNER = "caller";

    final ManualLoop loop = new ManualLoop();
    final StubS3 s3 = new StubS3();
    final CachedCredentialsProvider provider = new CachedCredentialsProvider(null);
    final WriteTarget target = new WriteTarget(new ObjectLocation("eu-west-1", "bucket", "key"),
            Optional.of("application/x-test"), Optional.empty(), new ScopeCredentials(null, "test", null, provider));
    final S3Store store = new S3Store(region -> new RegionClients(region, s3, s3, null),
            new S3CallTimer(new SimpleMeterRegistry()), Duration.ofSeconds(10), Duration.ofSeconds(30));
    PartBufferPool pool = new PartBufferPool(PART, 2L * PART, 0, (inUse, waiting) -> {
    });
    Duration idle = Duration.ofSeconds(30);
    Duration bufferWait = Duration.ofSeconds(30);
    /** Bytes per second; 0 turns the least rate off, so that only the tests of it meet it. */
    long minRate;
    Upload upload;
    Client client;

    UploadSettings settings() {
        return new UploadSettings(PART, 4, MAX, 5L << 30, idle, minRate, bufferWait);
    }

    /** Makes the upload with {@code engine}, subscribes it to a new client and runs the loop. */
    Upload start(Function<EngineHarness, Upload> engine) {
        upload = engine.apply(this);
        client = new Client();
        loop.execute(() -> upload.onSubscribe(client));
        loop.run();
        return upload;
    }

    UploadResult result() throws Exception {
        loop.run();
        assertTrue(upload.result().isDone(), "the upload has not ended; calls: " + s3.calls);
        UploadResult done = upload.result().get();
        assertAllSigned();
        return done;
    }

    Throwable failure() throws Exception {
        loop.run();
        assertTrue(upload.result().isDone(), "the upload has not ended; calls: " + s3.calls);
        try {
            upload.result().get();
        } catch (ExecutionException e) {
            assertAllSigned();
            return e.getCause() instanceof CompletionException c && c.getCause() != null ? c.getCause() : e.getCause();
        }
        throw new AssertionError("the upload succeeded");
    }

    UploadFailure.Kind failureKind() throws Exception {
        return ((UploadFailure) failure()).kind();
    }

    /** Every multipart upload created was aborted, none completed, no PutObject succeeded; the buffer is back. */
    void assertNothingLeft() {
        loop.run();
        var creates = s3.calls("CreateMultipartUpload");
        if (!creates.isEmpty() && !creates.get(0).future().isCompletedExceptionally()) {
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

    void assertEverythingReleased() {
        loop.run();
        assertEquals(0, pool.inUse(), "part buffers still held");
    }

    void assertAllSigned() {
        for (var call : s3.calls) {
            Optional<?> identity = call.request().overrideConfiguration()
                    .flatMap(AwsRequestOverrideConfiguration::credentialsIdentityProvider);
            assertSame(provider, identity.orElse(null), call.operation() + " is signed with the scope's credentials");
        }
    }

    /** The client's side of the body: chunks, and the end, handed over only when asked for, on the loop, like Vert.x. */
    final class Client implements Flow.Subscription {
        private final Random random = new Random(7);
        private final ArrayDeque<byte[]> queued = new ArrayDeque<>();
        private boolean endQueued;
        private Throwable failQueued;
        long requested;
        boolean cancelled;
        private boolean over;

        /** Queues {@code size} random bytes in chunks of {@code chunk}, and runs the loop; returns them. */
        byte[] send(int size, int chunk) {
            byte[] body = new byte[size];
            random.nextBytes(body);
            for (int at = 0; at < size; at += chunk) {
                queued.add(Arrays.copyOfRange(body, at, Math.min(size, at + chunk)));
            }
            loop.execute(this::deliver);
            loop.run();
            return body;
        }

        byte[] send(int size) {
            return send(size, CHUNK);
        }

        byte[] sendAndEnd(int size) {
            byte[] body = send(size);
            end();
            return body;
        }

        void end() {
            endQueued = true;
            loop.execute(this::deliver);
            loop.run();
        }

        /** The connection breaks at once, whatever was queued. */
        void fail(Throwable error) {
            queued.clear();
            failQueued = error;
            loop.execute(this::deliver);
            loop.run();
        }

        @Override
        public void request(long n) {
            requested += n;
            loop.execute(this::deliver);
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
            // Like a paused Vert.x request, the stream tells its end only to a reader that asks.
            if (queued.isEmpty() && endQueued && requested > 0 && !over) {
                over = true;
                upload.onComplete();
            }
        }
    }
}
