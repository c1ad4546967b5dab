package io.s3broker.credentials;

import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Disposes;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

import org.jboss.logging.Logger;

import io.quarkus.runtime.StartupEvent;
import io.s3broker.config.BrokerConfig;
import io.s3broker.metrics.BrokerMetrics;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import software.amazon.awssdk.http.async.SdkAsyncHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.sts.StsAsyncClient;
import software.amazon.awssdk.services.sts.StsAsyncClientBuilder;

/** Wires the STS client and the one credentials cache of the configured role. */
@ApplicationScoped
public class CredentialsCacheProducer {

    private static final Logger LOG = Logger.getLogger(CredentialsCacheProducer.class);

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

    @Produces
    @Singleton
    CredentialsCache cache(BrokerConfig config, StsAsyncClient sts, BrokerMetrics metrics) {
        Duration sessionDuration = config.roleSessionDuration();
        StsCredentialsSource source = new StsCredentialsSource(sts, config.roleArn(), config.roleSessionName(),
                sessionDuration, config.sts().timeout(), Infrastructure.getDefaultWorkerPool(), metrics);
        // Refresh early enough that a presigned URL of the default lifetime never waits for STS.
        Duration lead = max(config.refreshAhead(), config.presign().defaultExpiry().plus(CredentialsCache.STALE_MARGIN));
        Clock clock = Clock.systemUTC();
        CredentialsCache cache = new CredentialsCache(source, clock, sessionDuration, lead,
                new Backoff(config.sts().retryBackoff(), config.sts().retryMaxBackoff()),
                () -> ThreadLocalRandom.current().nextDouble(), new LoggingListener());
        metrics.credentialsExpiry(() -> cache.peek().map(c -> c.remaining(clock.instant())).orElse(Duration.ZERO));
        return cache;
    }

    @Produces
    @Singleton
    CachedCredentialsProvider credentialsProvider(CredentialsCache cache) {
        return new CachedCredentialsProvider(cache);
    }

    void prefetch(@Observes StartupEvent event, BrokerConfig config, CredentialsCache cache) {
        if (config.prefetchOnStart()) {
            cache.refreshInBackground();
        }
    }

    private static Duration max(Duration a, Duration b) {
        return a.compareTo(b) >= 0 ? a : b;
    }

    /** Logs what the cache reports; the message names the role's access key id, never the secret or token. */
    private static final class LoggingListener implements CredentialsCacheListener {

        @Override
        public void refreshed(CachedCredentials credentials, Duration took) {
            LOG.infof("Assumed role: access key %s valid until %s (took %d ms, next refresh from %s)",
                    credentials.credentials().accessKeyId(), credentials.expiresAt(), took.toMillis(),
                    credentials.prefetchAt());
        }

        @Override
        public void refreshFailed(Throwable cause, int consecutiveFailures, Duration retryIn, boolean stillServing) {
            LOG.warnf("AssumeRole failed (%d in a row), next attempt in %d ms, %s: %s", consecutiveFailures,
                    retryIn.toMillis(), stillServing ? "still serving the cached credentials" : "no valid credentials left",
                    cause.toString());
        }
    }
}
