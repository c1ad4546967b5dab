package io.s3broker.upload;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * The part buffers all uploads share: {@code capacity / partSize} direct buffers of one part each, all allocated
 * when the pool is made (at start-up, never on an event loop), handed out first come, first served without
 * blocking. An upload that cannot have one at once gets a future that completes when another gives one back, or
 * fails with a BUSY {@link UploadFailure} after the wait. Why pooled, direct and hand-written:
 * docs/decisions/0003-part-buffer-pool.md. The lock guards two queues (no I/O, no callbacks under it).
 */
public final class PartBufferPool {

    /** Told how many buffers are out and how many uploads wait for one, after every change. */
    public interface Usage {
        void changed(int inUse, int waiting);
    }

    private final int size;
    private final Usage usage;
    private final ArrayDeque<ByteBuffer> free = new ArrayDeque<>();
    private final ArrayDeque<CompletableFuture<ByteBuffer>> waiters = new ArrayDeque<>();

    public PartBufferPool(long partSize, long capacity, Usage usage) {
        int partBytes = Math.toIntExact(partSize);
        this.size = (int) Math.max(1, capacity / partSize);
        this.usage = usage;
        for (int i = 0; i < size; i++) {
            free.add(ByteBuffer.allocateDirect(partBytes));
        }
    }

    /** Completes with an empty buffer of one part, which must be {@link #release}d once, or fails after {@code wait}. */
    public CompletableFuture<ByteBuffer> acquire(Duration wait) {
        CompletableFuture<ByteBuffer> waiter;
        synchronized (this) {
            ByteBuffer buffer = waiters.isEmpty() ? free.poll() : null;
            if (buffer != null) {
                waiter = CompletableFuture.completedFuture(buffer);
            } else {
                waiter = new CompletableFuture<>();
                waiters.add(waiter);
            }
        }
        report();
        if (waiter.isDone()) {
            return waiter;
        }
        return waiter.completeOnTimeout(null, wait.toMillis(), TimeUnit.MILLISECONDS).thenCompose(buffer -> {
            if (buffer != null) {
                return CompletableFuture.completedFuture(buffer);
            }
            synchronized (this) {
                waiters.remove(waiter);
            }
            report();
            return CompletableFuture.failedFuture(UploadFailure.busy(wait));
        });
    }

    public void release(ByteBuffer buffer) {
        buffer.clear();
        while (true) {
            CompletableFuture<ByteBuffer> next;
            synchronized (this) {
                next = waiters.poll();
                if (next == null) {
                    free.push(buffer);
                    break;
                }
            }
            // A waiter whose wait is over (completed with null) does not take it: try the next one.
            if (next.complete(buffer)) {
                break;
            }
        }
        report();
    }

    public synchronized int inUse() {
        return size - free.size();
    }

    public synchronized int waiting() {
        return waiters.size();
    }

    private void report() {
        int inUse;
        int waiting;
        synchronized (this) {
            inUse = size - free.size();
            waiting = waiters.size();
        }
        usage.changed(inUse, waiting);
    }
}
