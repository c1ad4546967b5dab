package io.s3broker.upload;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;

import org.junit.jupiter.api.Test;


class PartBufferPoolTest {

    @Test
    void makesAtMostCapacityOverPartSizeBuffersAndQueuesTheRestInOrder() throws Exception {
        PartBufferPool pool = new PartBufferPool(10, 25);
        ByteBuffer first = pool.acquire().get();
        ByteBuffer second = pool.acquire().get();
        assertEquals(10, first.capacity());
        CompletableFuture<ByteBuffer> third = pool.acquire();
        CompletableFuture<ByteBuffer> fourth = pool.acquire();
        assertFalse(third.isDone(), "two buffers of 10 fit in 25, a third does not");
        assertEquals(2, pool.waiting());

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
        assertTrue(pool.acquire().isDone(), "released buffers are reused without waiting");
    }
}
