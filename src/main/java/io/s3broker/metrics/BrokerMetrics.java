package io.s3broker.metrics;

import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import jakarta.annotation.PreDestroy;

import jakarta.enterprise.context.ApplicationScoped;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.Startup;
import io.s3broker.credentials.CachedCredentials;
import io.s3broker.credentials.CredentialsCache;
import io.s3broker.credentials.CredentialsCacheListener;
import io.s3broker.credentials.ScopedCredentials;
import io.s3broker.upload.UploadObserver;

/**
 * The broker's own meters, fed by what the credentials caches and the uploads report. In Prometheus format they
 * read {@code broker_sts_assume_role_total{outcome}}, {@code broker_credentials_expiry_seconds},
 * {@code broker_credentials_scopes}, {@code broker_upload_bytes_total}, {@code broker_upload_size_bytes},
 * {@code broker_uploads_in_flight}, {@code broker_upload_outcomes_total{reason}},
 * {@code broker_upload_buffers_in_use} and {@code broker_upload_buffer_waiters}
 * ({@code broker_s3_requests_seconds} is timed where the calls are made, by the s3 package's S3CallTimer).
 */
@Startup
@ApplicationScoped
public class BrokerMetrics implements CredentialsCacheListener, UploadObserver {

    private final Counter assumeRoleSuccess;
    private final Counter assumeRoleFailure;
    private final Counter uploadedBytes;
    private final DistributionSummary uploadSize;
    private final MeterRegistry registry;
    private final AtomicInteger uploadsInFlight = new AtomicInteger();
    private final AtomicInteger buffersInUse = new AtomicInteger();
    private final AtomicInteger bufferWaiters = new AtomicInteger();
    /** Every meter registered here, removed again when the broker stops (see {@link #removeMeters()}). */
    private final Set<Meter> meters = ConcurrentHashMap.newKeySet();

    public BrokerMetrics(MeterRegistry registry, ScopedCredentials credentials) {
        this.registry = registry;
        this.assumeRoleSuccess = assumeRole("success");
        this.assumeRoleFailure = assumeRole("failure");
        this.uploadedBytes = kept(Counter.builder("broker.upload.bytes")
                .description("Bytes streamed into S3 by completed uploads")
                .baseUnit("bytes")
                .register(registry));
        this.uploadSize = kept(DistributionSummary.builder("broker.upload.size")
                .description("Size of completed uploads")
                .baseUnit("bytes")
                .register(registry));
        kept(Gauge.builder("broker.uploads.in.flight", uploadsInFlight, AtomicInteger::get)
                .description("Uploads reading their body or waiting for a part buffer")
                .register(registry));
        kept(Gauge.builder("broker.upload.buffers.in.use", buffersInUse, AtomicInteger::get)
                .description("Part buffers held by uploads (the pool has broker.upload.max-buffered / part-size)")
                .register(registry));
        kept(Gauge.builder("broker.upload.buffer.waiters", bufferWaiters, AtomicInteger::get)
                .description("Uploads waiting for a part buffer (at most broker.upload.buffer-wait, then 503)")
                .register(registry));
        // The soonest expiry among the credentials of the scopes in use: what an alert on "credentials about to run
        // out" wants, however many scopes there are, and quiet while idle scopes' sets run out unrefreshed.
        kept(Gauge.builder("broker.credentials.expiry.seconds", credentials, BrokerMetrics::soonestExpirySeconds)
                .description("Seconds until the first of the STS credentials of the scopes in use (asked for within"
                        + " the last " + CredentialsCache.IN_USE.toMinutes() + " minutes) expires (negative once it has); NaN while no scope is in use")
                .register(registry));
        kept(Gauge.builder("broker.credentials.scopes", credentials, c -> c.all().size())
                .description("Scopes with a credentials cache of their own (the readiness probe's included)")
                .register(registry));
    }

    /**
     * Micrometer's global registry outlives a Quarkus application (tests start several in one JVM), and registering
     * a meter it knows gives back the old one, whose gauges read the beans of the application that is gone.
     */
    @PreDestroy
    void removeMeters() {
        meters.forEach(registry::remove);
    }

    private <M extends Meter> M kept(M meter) {
        meters.add(meter);
        return meter;
    }

    private Counter assumeRole(String outcome) {
        return kept(Counter.builder("broker.sts.assume.role")
                .description("AssumeRole calls made to STS")
                .tag("outcome", outcome)
                .register(registry));
    }

    private static double soonestExpirySeconds(ScopedCredentials credentials) {
        return credentials.soonestExpiryInUse().map(remaining -> remaining.toMillis() / 1000.0).orElse(Double.NaN);
    }

    @Override
    public void refreshed(CachedCredentials credentials, Duration took) {
        assumeRoleSuccess.increment();
    }

    @Override
    public void refreshFailed(Throwable cause, int consecutiveFailures, Duration retryIn, boolean stillServing) {
        assumeRoleFailure.increment();
    }

    @Override
    public void started() {
        uploadsInFlight.incrementAndGet();
    }

    @Override
    public void completed(long bytes) {
        uploadsInFlight.decrementAndGet();
        uploadedBytes.increment(bytes);
        uploadSize.record(bytes);
        outcome("completed");
    }

    @Override
    public void failed(String reason) {
        uploadsInFlight.decrementAndGet();
        outcome(reason);
    }

    @Override
    public void buffers(int inUse, int waiting) {
        buffersInUse.set(inUse);
        bufferWaiters.set(waiting);
    }

    private void outcome(String reason) {
        // The reasons are a fixed few (UploadObserver), so the tag's values stay bounded.
        kept(Counter.builder("broker.upload.outcomes")
                .description("Uploads that ended, by outcome: completed, or why they failed")
                .tag("reason", reason)
                .register(registry))
                .increment();
    }
}
