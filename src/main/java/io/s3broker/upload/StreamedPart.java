package io.s3broker.upload;

import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.Optional;
import java.util.concurrent.Executor;

import org.reactivestreams.Subscriber;
import org.reactivestreams.Subscription;

import software.amazon.awssdk.core.async.AsyncRequestBody;

/**
 * The body of one part (or of a single PutObject) while the client's bytes come: the slices the assembler hands
 * over, each passed to the SDK when it asks for one, so a slow S3 pauses the client. Slices that come before the
 * SDK asks wait here: the first bytes of a part, read before its call starts, and the rest of a chunk that
 * crossed into it. Written by hand because a part must take over the client's stream mid-chunk, which no adapter
 * of Mutiny's or the SDK's does. All state is touched on the upload's loop only; SDK signals hop onto it.
 */
final class StreamedPart implements AsyncRequestBody {

    /** What the part reports to its upload, on the upload's loop. */
    interface Demand {
        /** The SDK wants more bytes, or took some. */
        void changed();
    }

    private final int number;
    private final long length;
    private final Executor loop;
    private final Demand demand;
    private final ArrayDeque<ByteBuffer> waiting = new ArrayDeque<>();
    private long waitingBytes;
    private Subscriber<? super ByteBuffer> sdk;
    private long requested;
    /** Whether the part's call was made (perhaps still waiting for the multipart upload to be created). */
    private boolean called;
    private boolean complete;
    private boolean completed;
    private Throwable failure;

    StreamedPart(int number, long length, Executor loop, Demand demand) {
        this.number = number;
        this.length = length;
        this.loop = loop;
        this.demand = demand;
    }

    int number() {
        return number;
    }

    /** Slices the SDK asked for and has not had, minus those waiting here: what the client may be asked for. */
    long wanted() {
        return sdk == null ? 0 : Math.max(0, requested - waiting.size());
    }

    boolean called() {
        return called;
    }

    /** The part's call is being made: its bytes are the call's from now on. */
    void calling() {
        called = true;
    }

    boolean cancelled() {
        return failure != null;
    }

    long waitingBytes() {
        return waitingBytes;
    }

    /** The next bytes of the part. */
    void offer(ByteBuffer slice) {
        waiting.add(slice);
        waitingBytes += slice.remaining();
        drain();
    }

    /** The part has all its bytes. */
    void complete() {
        complete = true;
        drain();
    }

    /** Fails the SDK's call, which then sends nothing more of this part; S3 keeps nothing of a cut-off request. */
    void cancel(Throwable reason) {
        if (failure != null) {
            return;
        }
        failure = reason;
        waiting.clear();
        waitingBytes = 0;
        if (sdk != null) {
            sdk.onError(reason);
        }
    }

    @Override
    public Optional<Long> contentLength() {
        return Optional.of(length);
    }

    @Override
    public void subscribe(Subscriber<? super ByteBuffer> subscriber) {
        loop.execute(() -> {
            if (sdk != null) {
                // The client's stream can be read only once: a retry of this call must fail, not resend.
                subscriber.onSubscribe(new NoSubscription());
                subscriber.onError(new IllegalStateException("a streamed part cannot be sent twice"));
                return;
            }
            sdk = subscriber;
            subscriber.onSubscribe(new Subscription() {
                @Override
                public void request(long n) {
                    loop.execute(() -> {
                        requested = n <= 0 || requested + n < 0 ? Long.MAX_VALUE : requested + n;
                        drain();
                        demand.changed();
                    });
                }

                @Override
                public void cancel() {
                    // The SDK gave up on the part: its call fails, and that fails the upload.
                    loop.execute(() -> failure = failure == null ? new IllegalStateException("part cancelled") : failure);
                }
            });
            if (failure != null) {
                subscriber.onError(failure);
            } else {
                drain();
                demand.changed();
            }
        });
    }

    private void drain() {
        if (sdk == null || failure != null) {
            return;
        }
        while (requested > 0 && !waiting.isEmpty()) {
            ByteBuffer slice = waiting.poll();
            waitingBytes -= slice.remaining();
            requested--;
            sdk.onNext(slice);
        }
        if (complete && !completed && waiting.isEmpty()) {
            completed = true;
            sdk.onComplete();
        }
    }

    private static final class NoSubscription implements Subscription {
        @Override
        public void request(long n) {
        }

        @Override
        public void cancel() {
        }
    }
}
