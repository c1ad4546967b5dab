package io.s3broker.upload;

import java.nio.ByteBuffer;
import java.util.Optional;

import org.reactivestreams.Subscriber;
import org.reactivestreams.Subscription;

import software.amazon.awssdk.core.async.AsyncRequestBody;

/**
 * The body of a part sent from its part buffer: the SDK's own {@link AsyncRequestBody#fromByteBuffersUnsafe} over
 * slices of the buffer (read again from the start for a retry), which tells the upload each time the SDK asks for
 * more, so that a slow but moving S3 counts as progress for the idle bound, and when it has had the last slice, so
 * that the next part can start. The buffer must not change until the call has answered.
 */
final class CopiedPart implements AsyncRequestBody {

    /** Bytes per slice: how often the SDK's progress is seen, at a cost of one signal each. */
    private static final int SLICE = 1 << 20;

    private final AsyncRequestBody slices;
    private final Runnable progress;
    private final Runnable handedOver;

    /**
     * @param progress run (on any thread) each time the SDK asks for more
     * @param handedOver run (on any thread) each time the SDK has had the whole body
     */
    CopiedPart(ByteBuffer bytes, Runnable progress, Runnable handedOver) {
        int count = Math.max(1, (bytes.remaining() + SLICE - 1) / SLICE);
        ByteBuffer[] parts = new ByteBuffer[count];
        for (int i = 0; i < count; i++) {
            int from = bytes.position() + i * SLICE;
            parts[i] = bytes.slice(from, Math.min(SLICE, bytes.limit() - from));
        }
        this.slices = AsyncRequestBody.fromByteBuffersUnsafe(parts);
        this.progress = progress;
        this.handedOver = handedOver;
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
                        subscription.request(n);
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
                handedOver.run();
            }
        });
    }
}
