package io.s3broker.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;

/**
 * The header deadline of one connection on Netty's embedded channel, whose clock the test moves: the deadline runs
 * from the connection's start and again from the first byte after an answer, never while a request is served, and
 * not at all once the connection is HTTP/2. The same bound over real sockets: SlowClientsTest.
 */
class HeaderDeadlineTest {

    static final long TIMEOUT = TimeUnit.SECONDS.toNanos(10);

    private int timeouts;
    private final HeaderDeadline deadline = new HeaderDeadline(TIMEOUT, () -> timeouts++);
    private final EmbeddedChannel channel = channel(deadline);

    private static EmbeddedChannel channel(HeaderDeadline deadline) {
        EmbeddedChannel channel = new EmbeddedChannel();
        channel.freezeTime();
        channel.pipeline().addFirst(deadline);
        // The handler arms its timer when the connection becomes active, as the acceptor adds it before that.
        channel.pipeline().fireChannelActive();
        return channel;
    }

    @AfterEach
    void close() {
        channel.finishAndReleaseAll();
    }

    @Test
    void aHeaderNotCompleteInTimeGets408AndTheConnectionCloses() {
        channel.writeInbound(bytes("GET /item HTTP/1.1\r\n"));
        advance(TIMEOUT - 1);
        assertOpenAndSilent();

        advance(1);
        ByteBuf answer = channel.readOutbound();
        try {
            assertTrue(answer.toString(StandardCharsets.US_ASCII).startsWith("HTTP/1.1 408 Request Timeout\r\n"));
        } finally {
            answer.release();
        }
        assertFalse(channel.isOpen(), "closed after the answer");
        assertEquals(1, timeouts, "counted once");
    }

    @Test
    void aKeptAliveConnectionMayIdleAndItsNextHeaderIsBoundAgain() {
        deadline.requestStarted(false);
        deadline.requestEnded();
        advance(10 * TIMEOUT);
        assertOpenAndSilent();

        channel.writeInbound(bytes("G"));
        advance(TIMEOUT - 1);
        assertOpenAndSilent();
        advance(1);
        assertFalse(channel.isOpen(), "the next header is bound from its first byte");
        assertEquals(1, timeouts);
    }

    @Test
    void aRequestBeingServedIsNotBound() {
        deadline.requestStarted(false);
        channel.writeInbound(bytes("body bytes"));
        advance(10 * TIMEOUT);
        assertOpenAndSilent();
    }

    @Test
    void anHttp2ConnectionIsLeftToTheIdleTimeout() {
        deadline.requestStarted(true);
        deadline.requestEnded();
        channel.writeInbound(bytes("frames"));
        advance(10 * TIMEOUT);
        assertOpenAndSilent();
    }

    private void advance(long nanos) {
        channel.advanceTimeBy(nanos, TimeUnit.NANOSECONDS);
        channel.runScheduledPendingTasks();
        channel.runPendingTasks();
    }

    private void assertOpenAndSilent() {
        assertTrue(channel.isOpen(), "still open");
        assertNull(channel.readOutbound(), "nothing written");
        assertEquals(0, timeouts, "no timeout counted");
        Object inbound;
        while ((inbound = channel.readInbound()) != null) {
            ((ByteBuf) inbound).release();
        }
    }

    private static ByteBuf bytes(String text) {
        return Unpooled.copiedBuffer(text, StandardCharsets.US_ASCII);
    }
}
