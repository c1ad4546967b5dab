package io.s3broker.upload;

import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.concurrent.CompletableFuture;

/**
 * The part buffers all uploads share: at most {@code capacity / partSize} buffers of one part each, made on first
 * need and reused, handed out first come, first served without blocking. An upload that cannot have one now gets
 * a future that completes when another upload gives one back; meanwhile its client is not read.
 * <p>
 * Reusing whole-part buffers keeps the heap calm: a part assembled from the request's small chunks would keep
 * thousands of them alive across collections (measured: a quarter of the CPU in GC at -Xmx128m). The buffers are
 * direct, so the SDK's Netty writes a part to the socket as it is; from a heap buffer it made an 8 MiB direct copy
 * of every part, too large for its pool, so freshly allocated and zeroed each time. Written by
 * hand because neither Vert.x nor Mutiny has an asynchronous pool. The lock guards a counter and two queues (no
 * I/O, no callbacks run under it), so it is safe on an event loop.
 */
public final class PartBufferPool {

    private final int partSize;
    private final int maxBuffers;
    private int created;
    private final ArrayDeque<ByteBuffer> free = new ArrayDeque<>();
    private final ArrayDeque<CompletableFuture<ByteBuffer>> waiters = new ArrayDeque<>();

    public PartBufferPool(long partSize, long capacity) {
        this.partSize = Math.toIntExact(partSize);
        this.maxBuffers = (int) Math.max(1, capacity / partSize);
    }

    /** Completes with an empty buffer of one part; it must be {@link #release}d once. */
    public CompletableFuture<ByteBuffer> acquire() {
        synchronized (this) {
            if (waiters.isEmpty()) {
                ByteBuffer buffer = free.poll();
                if (buffer != null) {
                    return CompletableFuture.completedFuture(buffer);
                }
                if (created < maxBuffers) {
                    created++;
                    return CompletableFuture.completedFuture(ByteBuffer.allocateDirect(partSize));
                }
            }
            CompletableFuture<ByteBuffer> waiter = new CompletableFuture<>();
            waiters.add(waiter);
            return waiter;
        }
    }

    public void release(ByteBuffer buffer) {
        buffer.clear();
        CompletableFuture<ByteBuffer> next;
        synchronized (this) {
            next = waiters.poll();
            if (next == null) {
                free.push(buffer);
                return;
            }
        }
        next.complete(buffer);
    }

    public synchronized int waiting() {
        return waiters.size();
    }
}
