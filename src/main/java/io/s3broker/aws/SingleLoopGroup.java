package io.s3broker.aws;

import java.util.Iterator;
import java.util.List;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelPromise;
import io.netty.channel.EventLoop;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.util.concurrent.EventExecutor;

/**
 * One Vert.x event loop as the event loop group of an SDK HTTP client, so that the S3 connections of an upload live
 * on the thread that reads the client's body (docs/decisions/0017-s3-calls-on-the-request-loop.md). Hand-written:
 * the SDK accepts a group only when it knows its class (it resolves the socket and datagram channel classes from
 * it), and a lone {@code NioEventLoop} is not one of them. The group's own single loop is never used, so its thread
 * never starts: Netty starts a loop's thread with its first task, and every call here goes to {@code loop}.
 */
final class SingleLoopGroup extends NioEventLoopGroup {

    private final EventLoop loop;

    SingleLoopGroup(EventLoop loop) {
        super(1);
        this.loop = loop;
    }

    @Override
    public EventLoop next() {
        return loop;
    }

    @Override
    public Iterator<EventExecutor> iterator() {
        return List.<EventExecutor>of(loop).iterator();
    }

    @Override
    public ChannelFuture register(Channel channel) {
        return loop.register(channel);
    }

    @Override
    public ChannelFuture register(ChannelPromise promise) {
        return loop.register(promise);
    }
}
