package io.s3broker.http;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.AttributeKey;

/**
 * The header deadline of one connection, first in its pipeline: armed when the connection is accepted, and on a
 * kept-alive connection at the first byte that follows the last answer; the broker's first route disarms it when a
 * request's headers are complete ({@link #requestStarted()}). If it fires, the connection gets a JSON 408 and is
 * closed. Every method runs on the connection's event loop.
 */
final class HeaderDeadline extends ChannelInboundHandlerAdapter {

    static final AttributeKey<HeaderDeadline> KEY = AttributeKey.valueOf(HeaderDeadline.class.getName());

    private final long timeoutNanos;
    private final Runnable onTimeout;
    private ChannelHandlerContext ctx;
    private ScheduledFuture<?> timer;
    /** Requests whose answer has not ended: HTTP/1.1 has one at a time, HTTP/2 may have several. */
    private int inFlight;
    /** The last answer ended: the next byte starts the next request's header. */
    private boolean betweenRequests;
    /** HTTP/2 frames are not a header block: such a connection is left to the idle timeout once it is one. */
    private boolean http2;

    HeaderDeadline(long timeoutNanos, Runnable onTimeout) {
        this.timeoutNanos = timeoutNanos;
        this.onTimeout = onTimeout;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        ctx.channel().attr(KEY).set(this);
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) throws Exception {
        arm();
        super.channelActive(ctx);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
        if (betweenRequests && inFlight == 0 && msg instanceof ByteBuf bytes && bytes.isReadable()) {
            betweenRequests = false;
            arm();
        }
        super.channelRead(ctx, msg);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        disarm();
        super.channelInactive(ctx);
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        disarm();
    }

    /** A request's headers are complete (it reached the router). */
    void requestStarted(boolean isHttp2) {
        http2 |= isHttp2;
        inFlight++;
        betweenRequests = false;
        disarm();
    }

    /** The request's answer ended, or its connection failed. */
    void requestEnded() {
        if (inFlight > 0 && --inFlight == 0 && !http2) {
            betweenRequests = true;
        }
    }

    private void arm() {
        disarm();
        timer = ctx.executor().schedule(this::expire, timeoutNanos, TimeUnit.NANOSECONDS);
    }

    private void disarm() {
        if (timer != null) {
            timer.cancel(false);
            timer = null;
        }
    }

    private void expire() {
        timer = null;
        if (!ctx.channel().isActive()) {
            return;
        }
        onTimeout.run();
        // Written from here, first in the pipeline, past Netty's HTTP encoder: no answer is under way on this
        // connection (none is in flight), so these are the only bytes the client gets.
        ByteBuf answer = Unpooled.copiedBuffer(RESPONSE, StandardCharsets.US_ASCII);
        ctx.writeAndFlush(answer).addListener(ChannelFutureListener.CLOSE);
    }

    private static final String BODY = "{\"success\":false,\"error\":{\"code\":\"RequestTimeout\","
            + "\"message\":\"The request's header was not complete in time\"}}";
    private static final String RESPONSE = "HTTP/1.1 408 Request Timeout\r\nContent-Type: application/json\r\n"
            + "Content-Length: " + BODY.length() + "\r\nConnection: close\r\n\r\n" + BODY;
}
