package io.s3broker.aws;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Disposes;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

import io.netty.channel.EventLoop;
import io.netty.util.concurrent.EventExecutor;
import io.s3broker.config.BrokerConfig;
import io.vertx.core.Vertx;
import software.amazon.awssdk.http.async.SdkAsyncHttpClient;
import software.amazon.awssdk.http.nio.netty.NettyNioAsyncHttpClient;
import software.amazon.awssdk.http.nio.netty.SdkEventLoopGroup;

/**
 * The Netty HTTP clients of the AWS clients. One, on the SDK's own I/O threads, for every call that sends no client
 * stream (STS, and S3 in every region), so that they share one connection pool per host. And one per Vert.x event
 * loop for the bodies streamed from that loop (docs/decisions/0017-s3-calls-on-the-request-loop.md).
 */
@ApplicationScoped
public class SdkHttpClientProducer {

    /** How much later than the upload's idle watch the SDK's write-idle bound of a streamed body fires. */
    static final Duration IDLE_WATCH_FIRST = Duration.ofSeconds(10);

    @Produces
    @Singleton
    SdkAsyncHttpClient httpClient(BrokerConfig config) {
        return builder(config).build();
    }

    @Produces
    @Singleton
    LoopHttpClients loopHttpClients(BrokerConfig config, Vertx vertx) {
        Map<EventLoop, SdkAsyncHttpClient> byLoop = new HashMap<>();
        List<SingleLoopGroup> groups = new ArrayList<>();
        for (EventExecutor executor : vertx.nettyEventLoopGroup()) {
            EventLoop loop = (EventLoop) executor;
            SingleLoopGroup group = new SingleLoopGroup(loop);
            groups.add(group);
            // On an event loop, resolving a host name with the JDK's resolver would block it: Netty's resolver does not.
            byLoop.put(loop, builder(config)
                    // A streamed body waits on its client: the upload's idle watch bounds it and names the side that
                    // went silent (408 or 504), so the SDK's own write-idle bound (30 s) must not cut it first as a 502.
                    .writeTimeout(config.upload().idleTimeout().plus(IDLE_WATCH_FIRST))
                    .eventLoopGroup(SdkEventLoopGroup.create(group))
                    .useNonBlockingDnsResolver(true)
                    .build());
        }
        return new LoopHttpClients(Map.copyOf(byLoop), List.copyOf(groups));
    }

    private static NettyNioAsyncHttpClient.Builder builder(BrokerConfig config) {
        return NettyNioAsyncHttpClient.builder()
                .maxConcurrency(config.s3().maxConnections())
                .connectionAcquisitionTimeout(Duration.ofSeconds(10))
                .connectionTimeout(Duration.ofSeconds(5))
                .tcpKeepAlive(true);
    }

    void close(@Disposes SdkAsyncHttpClient client) {
        client.close();
    }

    void close(@Disposes LoopHttpClients clients) {
        clients.close();
    }
}
