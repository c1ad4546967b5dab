package io.s3broker.aws;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Disposes;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

import io.s3broker.config.BrokerConfig;
import software.amazon.awssdk.http.async.SdkAsyncHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.sts.StsAsyncClient;
import software.amazon.awssdk.services.sts.StsAsyncClientBuilder;

/** The STS client, the only one signed with the broker's own long-term keys. */
@ApplicationScoped
public class StsClientProducer {

    @Produces
    @Singleton
    StsAsyncClient sts(BrokerConfig config, SdkAsyncHttpClient httpClient) {
        StsAsyncClientBuilder builder = StsAsyncClient.builder()
                .region(Region.of(config.region()))
                .credentialsProvider(BrokerKeys.provider(System.getenv()))
                .httpClient(httpClient);
        config.sts().endpoint().ifPresent(builder::endpointOverride);
        return builder.build();
    }

    void close(@Disposes StsAsyncClient sts) {
        sts.close();
    }
}
