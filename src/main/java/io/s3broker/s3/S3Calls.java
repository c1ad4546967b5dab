package io.s3broker.s3;

import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

import jakarta.enterprise.context.ApplicationScoped;

import io.micrometer.core.instrument.Timer;
import io.s3broker.metrics.BrokerMetrics;
import io.smallrye.mutiny.Uni;

/** Runs S3 calls through the latency timer, tagged with the operation and its outcome. */
@ApplicationScoped
public class S3Calls {

    private final BrokerMetrics metrics;

    public S3Calls(BrokerMetrics metrics) {
        this.metrics = metrics;
    }

    public <T> CompletableFuture<T> timed(String operation, Supplier<CompletableFuture<T>> call) {
        Timer.Sample sample = metrics.startTimer();
        CompletableFuture<T> result;
        try {
            result = call.get();
        } catch (RuntimeException e) {
            result = CompletableFuture.failedFuture(e);
        }
        return result.whenComplete((item, error) -> metrics.s3Request(sample, operation, S3Errors.outcome(error)));
    }

    public <T> Uni<T> timed(String operation, Uni<T> call) {
        return Uni.createFrom().deferred(() -> {
            Timer.Sample sample = metrics.startTimer();
            return call.onItemOrFailure()
                    .invoke((item, error) -> metrics.s3Request(sample, operation, S3Errors.outcome(error)));
        });
    }
}
