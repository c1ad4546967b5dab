package io.s3broker.aws;

import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import io.netty.channel.EventLoop;
import software.amazon.awssdk.http.async.SdkAsyncHttpClient;

/**
 * One SDK HTTP client per Vert.x event loop, whose connections live on that loop.
 *
 * @param groups the groups that wrap the loops: closed with the clients, which leave a group they did not make open
 */
public record LoopHttpClients(Map<EventLoop, SdkAsyncHttpClient> byLoop, List<SingleLoopGroup> groups) {

    void close() {
        byLoop.values().forEach(SdkAsyncHttpClient::close);
        // Shuts down each group's own, never started loop (and its selector), not the Vert.x loop it stands for.
        groups.forEach(group -> group.shutdownGracefully(0, 0, TimeUnit.SECONDS));
    }
}
