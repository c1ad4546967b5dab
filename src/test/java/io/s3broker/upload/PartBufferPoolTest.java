package io.s3broker.upload;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;

class PartBufferPoolTest {

    static final Duration LONG = Duration.ofMinutes(1);

    @Test
    void makesCapacityOverPartSizeBuffersAtOnceAndQueuesTheRestInOrder() throws Exception {
        AtomicInteger inUse = new AtomicInteger();
        AtomicInteger waiting = new AtomicInteger();
        PartBufferPool pool = new PartBufferPool(10, 25, (used, waiters) -> {
            inUse.set(used);
            waiting.set(waiters);
        });
        assertEquals(0, pool.inUse(), "two buffers made up front, none handed out");
        ByteBuffer first = pool.acquire(LONG).get();
        ByteBuffer second = pool.acquire(LONG).get();
        assertEquals(10, first.capacity());
        assertTrue(first.isDirect());
        CompletableFuture<ByteBuffer> third = pool.acquire(LONG);
        CompletableFuture<ByteBuffer> fourth = pool.acquire(LONG);
        assertFalse(third.isDone(), "two buffers of 10 fit in 25, a third does not");
        assertEquals(2, pool.waiting());
        assertEquals(2, inUse.get());
        assertEquals(2, waiting.get());

        first.put((byte) 1);
        pool.release(first);
        assertTrue(third.isDone(), "the first waiter gets the first buffer back");
        assertSame(first, third.get());
        assertEquals(0, third.get().position(), "a buffer comes back empty");
        assertFalse(fourth.isDone());

        pool.release(second);
        assertSame(second, fourth.get());
        pool.release(third.get());
        pool.release(fourth.get());
        assertTrue(pool.acquire(LONG).isDone(), "released buffers are reused without waiting");
        assertEquals(1, inUse.get());
        assertEquals(0, waiting.get());
    }

    @Test
    void aWaiterGivesUpAfterItsWaitAndLeavesTheQueue() throws Exception {
        PartBufferPool pool = new PartBufferPool(10, 10, (used, waiters) -> {
        });
        ByteBuffer only = pool.acquire(LONG).get();
        CompletableFuture<ByteBuffer> late = pool.acquire(Duration.ofMillis(50));
        ExecutionException e = assertThrows(ExecutionException.class, late::get);
        UploadFailure busy = assertInstanceOf(UploadFailure.class, e.getCause());
        assertEquals(UploadFailure.Kind.BUSY, busy.kind());
        assertEquals(0, pool.waiting());
        pool.release(only);
        assertSame(only, pool.acquire(LONG).get(), "the buffer went back to the pool, not to the waiter that gave up");
    }
}
