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

    /** The same for a call made as a Uni; {@code call} runs at each subscription, inside the timer. */
    public <T> Uni<T> timedUni(String operation, Supplier<Uni<T>> call) {
        return Uni.createFrom().deferred(() -> {
            Timer.Sample sample = metrics.startTimer();
            Uni<T> result;
            try {
                result = call.get();
            } catch (RuntimeException e) {
                result = Uni.createFrom().failure(e);
            }
            return result.onItemOrFailure()
                    .invoke((item, error) -> metrics.s3Request(sample, operation, S3Errors.outcome(error)));
        });
    }
}
