package io.s3broker.aws;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.stream.Collectors;

import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import io.netty.channel.EventLoop;
import io.quarkus.runtime.Startup;
import io.s3broker.config.BrokerConfig;
import io.s3broker.config.Regions;
import software.amazon.awssdk.auth.credentials.AnonymousCredentialsProvider;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.core.client.config.SdkAdvancedAsyncClientOption;
import software.amazon.awssdk.http.async.SdkAsyncHttpClient;
import software.amazon.awssdk.identity.spi.AwsCredentialsIdentity;
import software.amazon.awssdk.identity.spi.IdentityProvider;
import software.amazon.awssdk.identity.spi.ResolveIdentityRequest;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3AsyncClient;
import software.amazon.awssdk.services.s3.S3AsyncClientBuilder;
import software.amazon.awssdk.services.s3.S3Configuration;
import software.amazon.awssdk.services.s3.presigner.S3Presigner;

/**
 * The S3 clients of every region the broker serves ({@code broker.regions}), built once at start-up: building one
 * reads profile files, which must not happen on an event loop, and a fixed set keeps their number bounded.
 */
@Startup
@ApplicationScoped
public class S3Clients {

    private final Map<String, RegionClients> byRegion;

    @Inject
    public S3Clients(BrokerConfig config, SdkAsyncHttpClient httpClient, LoopHttpClients loopHttpClients) {
        this.byRegion = Regions.allowed(config).stream().collect(Collectors.toUnmodifiableMap(region -> region,
                region -> create(config, httpClient, loopHttpClients, region)));
    }

    /** Without clients bound to event loops: every streamed body goes through the shared client. */
    public S3Clients(BrokerConfig config, SdkAsyncHttpClient httpClient) {
        this(config, httpClient, new LoopHttpClients(Map.of(), List.of()));
    }

    /** The clients of an allowed region; requests are checked against {@link #regions} before they get here. */
    public RegionClients forRegion(String region) {
        RegionClients clients = byRegion.get(region);
        if (clients == null) {
            throw new IllegalArgumentException("Region " + region + " is not among broker.regions");
        }
        return clients;
    }

    private static RegionClients create(BrokerConfig config, SdkAsyncHttpClient httpClient,
            LoopHttpClients loopHttpClients, String region) {
        Region sdkRegion = Region.of(region);
        // The presigner only resolves bucket URLs; it has no forcePathStyle, only the service configuration.
        S3Presigner.Builder presigner = S3Presigner.builder()
                .region(sdkRegion)
                .credentialsProvider(AnonymousCredentialsProvider.create())
                .serviceConfiguration(S3Configuration.builder().pathStyleAccessEnabled(config.s3().pathStyle()).build());
        config.s3().endpoint().ifPresent(presigner::endpointOverride);
        S3AsyncClient singleAttempt = singleAttempt(config, httpClient, sdkRegion).build();
        Map<EventLoop, S3AsyncClient> byLoop = new HashMap<>();
        // Their futures complete on the loop itself (not on the SDK's completion threads): the upload's callbacks
        // only queue a task on that same loop, without waking another thread.
        loopHttpClients.byLoop().forEach((loop, loopHttp) -> byLoop.put(loop, singleAttempt(config, loopHttp, sdkRegion)
                .asyncConfiguration(a -> a.advancedOption(SdkAdvancedAsyncClientOption.FUTURE_COMPLETION_EXECUTOR,
                        (Executor) Runnable::run))
                .build()));
        return new RegionClients(region, client(config, httpClient, sdkRegion).build(), singleAttempt, presigner.build(),
                Map.copyOf(byLoop));
    }

    private static S3AsyncClientBuilder singleAttempt(BrokerConfig config, SdkAsyncHttpClient httpClient, Region region) {
        return client(config, httpClient, region)
                .overrideConfiguration(o -> o.retryStrategy(AwsRetryStrategy.doNotRetry()));
    }

    private static S3AsyncClientBuilder client(BrokerConfig config, SdkAsyncHttpClient httpClient, Region region) {
        boolean whenRequired = config.s3().checksums() == BrokerConfig.Checksums.WHEN_REQUIRED;
        S3AsyncClientBuilder s3 = S3AsyncClient.builder()
                .region(region)
                .credentialsProvider(NO_DEFAULT_CREDENTIALS)
                .httpClient(httpClient)
                .forcePathStyle(config.s3().pathStyle())
                .requestChecksumCalculation(whenRequired ? RequestChecksumCalculation.WHEN_REQUIRED
                        : RequestChecksumCalculation.WHEN_SUPPORTED)
                .responseChecksumValidation(whenRequired ? ResponseChecksumValidation.WHEN_REQUIRED
                        : ResponseChecksumValidation.WHEN_SUPPORTED);
        config.s3().endpoint().ifPresent(s3::endpointOverride);
        return s3;
    }

    /**
     * Without a provider of its own the SDK would fall back to its default chain, which finds the broker's long-term
     * keys: every request must instead bring the scoped credentials it is allowed to use.
     */
    static final IdentityProvider<AwsCredentialsIdentity> NO_DEFAULT_CREDENTIALS = new IdentityProvider<>() {
        @Override
        public Class<AwsCredentialsIdentity> identityType() {
            return AwsCredentialsIdentity.class;
        }

        @Override
        public CompletableFuture<AwsCredentialsIdentity> resolveIdentity(ResolveIdentityRequest request) {
            return CompletableFuture.failedFuture(new IllegalStateException(
                    "An S3 request was sent without the credentials of its scope"));
        }
    };

    @PreDestroy
    void close() {
        byRegion.values().forEach(RegionClients::close);
    }
}
