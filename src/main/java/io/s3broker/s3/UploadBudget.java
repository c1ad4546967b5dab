package io.s3broker.s3;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Bytes of part buffers all uploads together may hold, handed out first come, first served without blocking:
 * an upload that cannot have a part's worth now gets a future that completes when another upload releases one.
 * <p>
 * Written by hand because neither Vert.x nor Mutiny has an asynchronous semaphore. The lock only guards a
 * counter and a queue (no I/O, no callbacks run under it), so it is safe on an event loop.
 */
public final class UploadBudget {

    private final long capacity;
    private long available;
    private final ArrayDeque<Waiter> waiters = new ArrayDeque<>();

    public UploadBudget(long capacity) {
        this.capacity = capacity;
        this.available = capacity;
    }

    /** Completes once {@code bytes} are reserved; each completed reservation must be {@link #release}d once. */
    public CompletableFuture<Void> acquire(long bytes) {
        if (bytes > capacity) {
            throw new IllegalArgumentException("A reservation of " + bytes + " bytes can never fit in " + capacity);
        }
        synchronized (this) {
            if (waiters.isEmpty() && available >= bytes) {
                available -= bytes;
                return CompletableFuture.completedFuture(null);
            }
            Waiter waiter = new Waiter(bytes, new CompletableFuture<>());
            waiters.add(waiter);
            return waiter.granted;
        }
    }

    public void release(long bytes) {
        List<CompletableFuture<Void>> granted = new ArrayList<>();
        synchronized (this) {
            available = Math.min(capacity, available + bytes);
            while (!waiters.isEmpty() && waiters.peek().bytes <= available) {
                Waiter next = waiters.poll();
                available -= next.bytes;
                granted.add(next.granted);
            }
        }
        granted.forEach(g -> g.complete(null));
    }

    public synchronized long available() {
        return available;
    }

    public synchronized int waiting() {
        return waiters.size();
    }

    private record Waiter(long bytes, CompletableFuture<Void> granted) {
    }
}
