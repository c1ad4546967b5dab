package io.s3broker.metrics;

import java.time.Duration;
import java.util.function.Supplier;

import jakarta.enterprise.context.ApplicationScoped;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

/**
 * The broker's own meters, named once here. In Prometheus format they read
 * {@code broker_sts_assume_role_total{outcome}}, {@code broker_credentials_expiry_seconds},
 * {@code broker_s3_requests_seconds{operation,outcome}} and {@code broker_upload_bytes_total}.
 */
@ApplicationScoped
public class BrokerMetrics {

    private final MeterRegistry registry;
    private final Counter assumeRoleSuccess;
    private final Counter assumeRoleFailure;
    private final Counter uploadedBytes;
    private final DistributionSummary uploadSize;

    public BrokerMetrics(MeterRegistry registry) {
        this.registry = registry;
        this.assumeRoleSuccess = assumeRole(registry, "success");
        this.assumeRoleFailure = assumeRole(registry, "failure");
        this.uploadedBytes = Counter.builder("broker.upload.bytes")
                .description("Bytes streamed into S3 by completed uploads")
                .baseUnit("bytes")
                .register(registry);
        this.uploadSize = DistributionSummary.builder("broker.upload.size")
                .description("Size of completed uploads")
                .baseUnit("bytes")
                .register(registry);
    }

    private static Counter assumeRole(MeterRegistry registry, String outcome) {
        return Counter.builder("broker.sts.assume.role")
                .description("AssumeRole calls made to STS")
                .tag("outcome", outcome)
                .register(registry);
    }

    public void assumeRole(boolean succeeded) {
        (succeeded ? assumeRoleSuccess : assumeRoleFailure).increment();
    }

    /** Registers the gauge of seconds until the cached credentials expire (negative once they have). */
    public void credentialsExpiry(Supplier<Duration> remaining) {
        Gauge.builder("broker.credentials.expiry.seconds", remaining, r -> r.get().toMillis() / 1000.0)
                .description("Seconds until the cached STS credentials expire; 0 before the first fetch")
                .strongReference(true)
                .register(registry);
    }

    public Timer.Sample startTimer() {
        return Timer.start(registry);
    }

    /** Stops the sample into the latency timer of one S3 operation. */
    public void s3Request(Timer.Sample sample, String operation, String outcome) {
        sample.stop(Timer.builder("broker.s3.requests")
                .description("Latency of the S3 calls the broker makes")
                .tag("operation", operation)
                .tag("outcome", outcome)
                .publishPercentileHistogram()
                .register(registry));
    }

    public void uploadCompleted(long bytes) {
        uploadedBytes.increment(bytes);
        uploadSize.record(bytes);
    }
}
