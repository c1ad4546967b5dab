package io.s3broker.upload;

import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * The part buffers all uploads share: {@code capacity / partSize} direct buffers of one part each, all allocated
 * when the pool is made (at start-up, never on an event loop), handed out first come, first served without
 * blocking. Each owner (a caller) holds at most {@code perOwner} of them, so that one caller's uploads, however
 * slow, never hold every buffer; its further uploads wait as if the pool were full, and a buffer given back goes to
 * the first waiter whose owner is below that share. Why pooled, direct and hand-written:
 * docs/decisions/0003-part-buffer-pool.md. The lock guards the queues and counts (no I/O, no callbacks under it).
 */
public final class PartBufferPool {

    /** Told how many buffers are out and how many uploads wait for one, after every change. */
    public interface Usage {
        void changed(int inUse, int waiting);
    }

    private record Waiter(String owner, CompletableFuture<ByteBuffer> buffer) {
    }

    private final int size;
    private final int perOwner;
    private final Usage usage;
    private final ArrayDeque<ByteBuffer> free = new ArrayDeque<>();
    private final ArrayDeque<Waiter> waiters = new ArrayDeque<>();
    private final Map<String, Integer> held = new HashMap<>();

    /** @param perOwner the most buffers one owner may hold at once; 0 or more than the pool's buffers: all of them */
    public PartBufferPool(long partSize, long capacity, int perOwner, Usage usage) {
        int partBytes = Math.toIntExact(partSize);
        this.size = (int) Math.max(1, capacity / partSize);
        this.perOwner = perOwner <= 0 ? size : Math.min(perOwner, size);
        this.usage = usage;
        for (int i = 0; i < size; i++) {
            free.add(ByteBuffer.allocateDirect(partBytes));
        }
    }

    /** How many buffers the pool has. */
    public int size() {
        return size;
    }

    /**
     * Completes with an empty buffer of one part, which {@code owner} must {@link #release} once; waits as long as it
     * takes, unless {@link #withdraw}n.
     */
    public CompletableFuture<ByteBuffer> acquire(String owner) {
        CompletableFuture<ByteBuffer> buffer;
        synchronized (this) {
            ByteBuffer now = mayTake(owner) && nobodyAheadMay() ? free.poll() : null;
            if (now != null) {
                held.merge(owner, 1, Integer::sum);
                buffer = CompletableFuture.completedFuture(now);
            } else {
                buffer = new CompletableFuture<>();
                waiters.add(new Waiter(owner, buffer));
            }
        }
        report();
        return buffer;
    }

    /** Takes {@code waiter} out of the queue; false if it has been handed a buffer already (release it then). */
    public boolean withdraw(CompletableFuture<ByteBuffer> waiter) {
        boolean removed;
        synchronized (this) {
            removed = waiters.removeIf(w -> w.buffer() == waiter);
        }
        report();
        return removed;
    }

    public void release(String owner, ByteBuffer buffer) {
        buffer.clear();
        Waiter next = null;
        synchronized (this) {
            held.computeIfPresent(owner, (ignored, count) -> count <= 1 ? null : count - 1);
            for (Iterator<Waiter> queued = waiters.iterator(); queued.hasNext();) {
                Waiter waiter = queued.next();
                if (mayTake(waiter.owner())) {
                    queued.remove();
                    held.merge(waiter.owner(), 1, Integer::sum);
                    next = waiter;
                    break;
                }
            }
            if (next == null) {
                free.push(buffer);
            }
        }
        if (next != null) {
            // Only this pool completes a waiter, and a withdrawn one is no longer queued: this always takes.
            next.buffer().complete(buffer);
        }
        report();
    }

    public synchronized int inUse() {
        return size - free.size();
    }

    public synchronized int waiting() {
        return waiters.size();
    }

    private boolean mayTake(String owner) {
        return held.getOrDefault(owner, 0) < perOwner;
    }

    /** No waiter that could take a free buffer is queued: first come, first served. */
    private boolean nobodyAheadMay() {
        for (Waiter waiter : waiters) {
            if (mayTake(waiter.owner())) {
                return false;
            }
        }
        return true;
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
