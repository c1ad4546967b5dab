package io.s3broker.upload;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;
import org.reactivestreams.Subscriber;
import org.reactivestreams.Subscription;

class CopiedPartTest {

    @Test
    void aRetryReadsTheSameBytesFromTheStartAndEveryAskIsProgress() throws Exception {
        byte[] bytes = new byte[(3 << 20) + 11];
        new Random(3).nextBytes(bytes);
        ByteBuffer buffer = ByteBuffer.allocateDirect(4 << 20);
        buffer.put(bytes).flip();
        AtomicInteger asks = new AtomicInteger();
        CopiedPart part = new CopiedPart(buffer, CompletableFuture.completedFuture(null), asks::incrementAndGet);

        assertEquals(bytes.length, part.contentLength().orElseThrow());
        assertArrayEquals(bytes, read(part), "first attempt");
        assertArrayEquals(bytes, read(part), "a retry");
        assertEquals(0, buffer.position(), "the buffer itself is not moved");
        assertTrue(asks.get() >= 2 * 4, "one ask per slice of 1 MiB at least: " + asks.get());
    }

    /** Reads the body one slice per request, like the SDK's HTTP client. */
    private static byte[] read(CopiedPart part) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        CompletableFuture<byte[]> done = new CompletableFuture<>();
        part.subscribe(new Subscriber<ByteBuffer>() {
            Subscription subscription;

            @Override
            public void onSubscribe(Subscription s) {
                subscription = s;
                s.request(1);
            }

            @Override
            public void onNext(ByteBuffer slice) {
                byte[] copy = new byte[slice.remaining()];
                slice.get(copy);
                out.writeBytes(copy);
                subscription.request(1);
            }

            @Override
            public void onError(Throwable t) {
                done.completeExceptionally(t);
            }

            @Override
            public void onComplete() {
                done.complete(out.toByteArray());
            }
        });
        return done.get(10, TimeUnit.SECONDS);
    }
}
