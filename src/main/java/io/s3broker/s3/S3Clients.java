package io.s3broker.s3;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;

import io.quarkus.runtime.Startup;
import io.s3broker.config.BrokerConfig;
import io.s3broker.credentials.CachedCredentialsProvider;
import io.s3broker.rest.error.BrokerException;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import software.amazon.awssdk.auth.credentials.AnonymousCredentialsProvider;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.http.async.SdkAsyncHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3AsyncClient;
import software.amazon.awssdk.services.s3.S3AsyncClientBuilder;
import software.amazon.awssdk.services.s3.S3Configuration;
import software.amazon.awssdk.services.s3.presigner.S3Presigner;

/**
 * S3 clients by region: the default region's are built at start-up, any other region's on its first request,
 * then reused. Building a client reads profile files, so that happens on a worker thread, never an event loop.
 */
@Startup
@ApplicationScoped
public class S3Clients {

    /** Region names are client input: bound how many client pairs they can make us keep. */
    static final int MAX_REGIONS = 64;

    private final BrokerConfig config;
    private final SdkAsyncHttpClient httpClient;
    private final CachedCredentialsProvider credentials;
    private final Map<String, RegionClients> byRegion = new ConcurrentHashMap<>();

    public S3Clients(BrokerConfig config, SdkAsyncHttpClient httpClient, CachedCredentialsProvider credentials) {
        this.config = config;
        this.httpClient = httpClient;
        this.credentials = credentials;
        byRegion.put(config.region(), create(config.region()));
    }

    public Uni<RegionClients> forRegion(String region) {
        RegionClients clients = byRegion.get(region);
        if (clients != null) {
            return Uni.createFrom().item(clients);
        }
        return Uni.createFrom().item(() -> getOrCreate(region)).runSubscriptionOn(Infrastructure.getDefaultWorkerPool());
    }

    private RegionClients getOrCreate(String region) {
        if (byRegion.size() >= MAX_REGIONS && !byRegion.containsKey(region)) {
            throw BrokerException.invalid("region", "this broker already serves " + MAX_REGIONS + " regions");
        }
        return byRegion.computeIfAbsent(region, this::create);
    }

    private RegionClients create(String region) {
        Region sdkRegion = Region.of(region);
        boolean pathStyle = config.s3().pathStyle();
        // The presigner signs with the credentials of each request (see PresignService); it has no
        // forcePathStyle, only the service configuration.
        S3Presigner.Builder presigner = S3Presigner.builder()
                .region(sdkRegion)
                .credentialsProvider(AnonymousCredentialsProvider.create())
                .serviceConfiguration(S3Configuration.builder().pathStyleAccessEnabled(pathStyle).build());
        config.s3().endpoint().ifPresent(presigner::endpointOverride);
        S3AsyncClient streaming = client(sdkRegion)
                .overrideConfiguration(o -> o.retryStrategy(AwsRetryStrategy.doNotRetry()))
                .build();
        return new RegionClients(region, client(sdkRegion).build(), streaming, presigner.build());
    }

    private S3AsyncClientBuilder client(Region region) {
        boolean whenRequired = config.s3().checksums() == BrokerConfig.Checksums.WHEN_REQUIRED;
        S3AsyncClientBuilder s3 = S3AsyncClient.builder()
                .region(region)
                .credentialsProvider(credentials)
                .httpClient(httpClient)
                .forcePathStyle(config.s3().pathStyle())
                .requestChecksumCalculation(whenRequired ? RequestChecksumCalculation.WHEN_REQUIRED
                        : RequestChecksumCalculation.WHEN_SUPPORTED)
                .responseChecksumValidation(whenRequired ? ResponseChecksumValidation.WHEN_REQUIRED
                        : ResponseChecksumValidation.WHEN_SUPPORTED);
        config.s3().endpoint().ifPresent(s3::endpointOverride);
        return s3;
    }

    @PreDestroy
    void close() {
        byRegion.values().forEach(RegionClients::close);
        byRegion.clear();
    }
}
