package io.s3broker.upload;

import java.nio.ByteBuffer;
import java.util.Optional;
import java.util.concurrent.CompletionStage;

import org.reactivestreams.Subscriber;
import org.reactivestreams.Subscription;

import software.amazon.awssdk.core.async.AsyncRequestBody;

/**
 * The body of a part sent from its part buffer: the SDK's own {@link AsyncRequestBody#fromByteBuffersUnsafe} over
 * slices of the buffer (read again from the start for a retry). It holds its bytes back until {@code go} completes,
 * so that its call can be made (connection, signing, S3 reading the headers) while the part before it is still
 * being sent, and tells the upload each time the SDK asks for more, so that a slow but moving S3 counts as progress
 * for the idle bound. The buffer must not change until the call has answered.
 */
final class CopiedPart implements AsyncRequestBody {

    /** Bytes per slice: how often the SDK's progress is seen, at a cost of one signal each. */
    private static final int SLICE = 1 << 20;

    private final AsyncRequestBody slices;
    private final CompletionStage<Void> go;
    private final Runnable progress;

    /**
     * @param go when the SDK may have the bytes
     * @param progress run (on any thread) each time the SDK asks for more
     */
    CopiedPart(ByteBuffer bytes, CompletionStage<Void> go, Runnable progress) {
        int count = Math.max(1, (bytes.remaining() + SLICE - 1) / SLICE);
        ByteBuffer[] parts = new ByteBuffer[count];
        for (int i = 0; i < count; i++) {
            int from = bytes.position() + i * SLICE;
            parts[i] = bytes.slice(from, Math.min(SLICE, bytes.limit() - from));
        }
        this.slices = AsyncRequestBody.fromByteBuffersUnsafe(parts);
        this.go = go;
        this.progress = progress;
    }

    @Override
    public Optional<Long> contentLength() {
        return slices.contentLength();
    }

    @Override
    public void subscribe(Subscriber<? super ByteBuffer> sdk) {
        slices.subscribe(new Subscriber<ByteBuffer>() {
            @Override
            public void onSubscribe(Subscription subscription) {
                sdk.onSubscribe(new Subscription() {
                    @Override
                    public void request(long n) {
                        progress.run();
                        // Demand adds up, so requests held back may be passed on in any order.
                        go.thenRun(() -> subscription.request(n));
                    }

                    @Override
                    public void cancel() {
                        subscription.cancel();
                    }
                });
            }

            @Override
            public void onNext(ByteBuffer slice) {
                sdk.onNext(slice);
            }

            @Override
            public void onError(Throwable error) {
                sdk.onError(error);
            }

            @Override
            public void onComplete() {
                sdk.onComplete();
            }
        });
    }
}
