package io.s3broker.aws;

import java.time.Duration;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Disposes;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

import io.s3broker.config.BrokerConfig;
import software.amazon.awssdk.http.async.SdkAsyncHttpClient;
import software.amazon.awssdk.http.nio.netty.NettyNioAsyncHttpClient;

/**
 * One Netty HTTP client for every AWS client of the broker (STS and S3 in every region), so that they share
 * one connection pool per host and one small set of I/O threads instead of one each.
 */
@ApplicationScoped
public class SdkHttpClientProducer {

    @Produces
    @Singleton
    SdkAsyncHttpClient httpClient(BrokerConfig config) {
        return NettyNioAsyncHttpClient.builder()
                .maxConcurrency(config.s3().maxConnections())
                .connectionAcquisitionTimeout(Duration.ofSeconds(10))
                .connectionTimeout(Duration.ofSeconds(5))
                .tcpKeepAlive(true)
                .build();
    }

    void close(@Disposes SdkAsyncHttpClient client) {
        client.close();
    }
}
