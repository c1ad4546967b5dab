package io.s3broker.s3;

import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

import jakarta.enterprise.context.ApplicationScoped;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.smallrye.mutiny.Uni;

/**
 * Times S3 calls into {@code broker_s3_requests_seconds{operation,outcome}}. Micrometer directly, not the metrics
 * package: that one observes the layers below it and must not be called by them.
 */
@ApplicationScoped
public class S3CallTimer {

    private final MeterRegistry registry;

    public S3CallTimer(MeterRegistry registry) {
        this.registry = registry;
    }

    public <T> CompletableFuture<T> timed(String operation, Supplier<CompletableFuture<T>> call) {
        Timer.Sample sample = Timer.start(registry);
        CompletableFuture<T> result;
        try {
            result = call.get();
        } catch (RuntimeException e) {
            result = CompletableFuture.failedFuture(e);
        }
        return result.whenComplete((item, error) -> stop(sample, operation, error));
    }

    /** The same for a call made as a Uni; {@code call} runs at each subscription, inside the timer. */
    public <T> Uni<T> timedUni(String operation, Supplier<Uni<T>> call) {
        return Uni.createFrom().deferred(() -> {
            Timer.Sample sample = Timer.start(registry);
            Uni<T> result;
            try {
                result = call.get();
            } catch (RuntimeException e) {
                result = Uni.createFrom().failure(e);
            }
            return result.onItemOrFailure().invoke((item, error) -> stop(sample, operation, error));
        });
    }

    private void stop(Timer.Sample sample, String operation, Throwable error) {
        sample.stop(Timer.builder("broker.s3.requests")
                .description("Latency of the S3 calls the broker makes")
                .tag("operation", operation)
                .tag("outcome", S3Errors.outcome(error))
                .publishPercentileHistogram()
                .register(registry));
    }
}
