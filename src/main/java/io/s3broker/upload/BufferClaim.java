package io.s3broker.upload;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * One upload's part buffer: asked of the shared pool, waited for at most {@code broker.upload.buffer-wait} on the
 * upload's own clock, and given back once. On the upload's loop only.
 */
final class BufferClaim {

    private final PartBufferPool pool;
    private final String owner;
    private final UploadLoop loop;
    private CompletableFuture<ByteBuffer> waiter;
    private Runnable timer;
    private ByteBuffer buffer;
    private boolean wanted;

    BufferClaim(PartBufferPool pool, String owner, UploadLoop loop) {
        this.pool = pool;
        this.owner = owner;
        this.loop = loop;
    }

    /** Asks for a buffer: {@code got} runs on the loop with it, or {@code busy} once {@code wait} is over. */
    void request(Duration wait, Consumer<ByteBuffer> got, Runnable busy) {
        wanted = true;
        waiter = pool.acquire(owner);
        timer = loop.schedule(wait.toMillis(), () -> {
            // Not withdrawn: the pool has just handed it a buffer, which is on its way.
            if (wanted && buffer == null && pool.withdraw(waiter)) {
                wanted = false;
                busy.run();
            }
        });
        waiter.whenComplete((handed, error) -> loop.execute(() -> {
            if (!wanted) {
                pool.release(owner, handed);
                return;
            }
            timer.run();
            buffer = handed;
            got.accept(handed);
        }));
    }

    /** The upload no longer wants a buffer: one that comes later goes straight back. */
    void cancel() {
        wanted = false;
        if (timer != null) {
            timer.run();
        }
        if (waiter != null && buffer == null) {
            pool.withdraw(waiter);
        }
    }

    boolean held() {
        return buffer != null;
    }

    /** Gives the buffer back, if the upload has one. */
    void release() {
        wanted = false;
        if (buffer != null) {
            pool.release(owner, buffer);
            buffer = null;
        }
    }
}
