package io.s3broker.startup;

import java.util.Locale;

import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/**
 * DOWN while the warm-up runs ({@link WarmUp}), so that no traffic comes before the hot path is compiled; UP once it
 * has ended or when it is off, and readiness is then what the other checks say. Liveness does not wait for it.
 */
@Readiness
@ApplicationScoped
public class WarmUpReadiness implements HealthCheck {

    static final String NAME = "warm-up";

    private final WarmUp warmUp;

    public WarmUpReadiness(WarmUp warmUp) {
        this.warmUp = warmUp;
    }

    @Override
    public HealthCheckResponse call() {
        if (warmUp.warming()) {
            return HealthCheckResponse.named(NAME).down().withData("state", "warming up")
                    .withData("requests", warmUp.answered()).build();
        }
        return HealthCheckResponse.named(NAME).up()
                .withData("state", warmUp.state().name().toLowerCase(Locale.ROOT)).build();
    }
}
