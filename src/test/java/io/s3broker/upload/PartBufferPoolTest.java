package io.s3broker.upload;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;

class PartBufferPoolTest {

    @Test
    void makesCapacityOverPartSizeBuffersAtOnceAndQueuesTheRestInOrder() throws Exception {
        AtomicInteger inUse = new AtomicInteger();
        AtomicInteger waiting = new AtomicInteger();
        PartBufferPool pool = new PartBufferPool(10, 25, 0, (used, waiters) -> {
            inUse.set(used);
            waiting.set(waiters);
        });
        assertEquals(0, pool.inUse(), "two buffers made up front, none handed out");
        ByteBuffer first = pool.acquire("a").get();
        ByteBuffer second = pool.acquire("b").get();
        assertEquals(10, first.capacity());
        assertTrue(first.isDirect());
        CompletableFuture<ByteBuffer> third = pool.acquire("c");
        CompletableFuture<ByteBuffer> fourth = pool.acquire("d");
        assertFalse(third.isDone(), "two buffers of 10 fit in 25, a third does not");
        assertEquals(2, pool.waiting());
        assertEquals(2, inUse.get());
        assertEquals(2, waiting.get());

        first.put((byte) 1);
        pool.release("a", first);
        assertTrue(third.isDone(), "the first waiter gets the first buffer back");
        assertSame(first, third.get());
        assertEquals(0, third.get().position(), "a buffer comes back empty");
        assertFalse(fourth.isDone());

        pool.release("b", second);
        assertSame(second, fourth.get());
        pool.release("c", third.get());
        pool.release("d", fourth.get());
        assertTrue(pool.acquire("a").isDone(), "released buffers are reused without waiting");
        assertEquals(1, inUse.get());
        assertEquals(0, waiting.get());
    }

    @Test
    void aWithdrawnWaiterLeavesTheQueueAndGetsNothing() throws Exception {
        PartBufferPool pool = new PartBufferPool(10, 10, 0, (used, waiters) -> {
        });
        ByteBuffer only = pool.acquire("a").get();
        CompletableFuture<ByteBuffer> late = pool.acquire("b");
        assertTrue(pool.withdraw(late));
        assertEquals(0, pool.waiting());
        pool.release("a", only);
        assertFalse(late.isDone());
        assertSame(only, pool.acquire("c").get(), "the buffer went back to the pool, not to the waiter that gave up");
        assertFalse(pool.withdraw(late), "a waiter is withdrawn once");
    }

    @Test
    void oneOwnerHoldsAtMostItsShareAndLeavesTheRestToOthers() throws Exception {
        PartBufferPool pool = new PartBufferPool(10, 40, 3, (used, waiters) -> {
        });
        ByteBuffer slow = pool.acquire("slow").get();
        pool.acquire("slow").get();
        pool.acquire("slow").get();
        CompletableFuture<ByteBuffer> fourth = pool.acquire("slow");
        assertFalse(fourth.isDone(), "a fourth buffer is over the share, though one is free");
        CompletableFuture<ByteBuffer> other = pool.acquire("other");
        assertTrue(other.isDone(), "another caller gets the free buffer at once");
        CompletableFuture<ByteBuffer> otherAgain = pool.acquire("other");
        assertFalse(otherAgain.isDone(), "the pool is empty now");
        pool.release("other", other.get());
        assertTrue(otherAgain.isDone(), "the waiter within its share goes first, though it came later");
        assertFalse(fourth.isDone());
        pool.release("slow", slow);
        assertTrue(fourth.isDone(), "once the slow caller gives one back, its own waiter is within its share");
    }

    @Test
    void aShareOfZeroOrMoreThanThePoolIsTheWholePool() throws Exception {
        for (int share : new int[] { 0, 9 }) {
            PartBufferPool pool = new PartBufferPool(10, 40, share, (used, waiters) -> {
            });
            for (int i = 0; i < 4; i++) {
                assertTrue(pool.acquire("one").isDone(), "share " + share + ", buffer " + i);
            }
        }
    }
}
