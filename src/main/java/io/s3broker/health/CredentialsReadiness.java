package io.s3broker.health;

import java.time.Duration;

import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

import io.s3broker.credentials.CredentialsCache;
import io.smallrye.health.api.AsyncHealthCheck;
import io.smallrye.mutiny.Uni;

/**
 * Ready while valid role credentials can be had: from the cache, or by a fetch this probe starts (so a broker
 * that lost its credentials tries STS again at the probe's pace, within the cache's backoff).
 */
@Readiness
@ApplicationScoped
public class CredentialsReadiness implements AsyncHealthCheck {

    static final String NAME = "sts-credentials";
    private static final Duration PROBE_TIMEOUT = Duration.ofSeconds(5);

    private final CredentialsCache cache;

    public CredentialsReadiness(CredentialsCache cache) {
        this.cache = cache;
    }

    @Override
    public Uni<HealthCheckResponse> call() {
        return Uni.createFrom().completionStage(cache::get)
                .ifNoItem().after(PROBE_TIMEOUT).fail()
                .map(credentials -> HealthCheckResponse.named(NAME).up()
                        .withData("expiresAt", credentials.expiresAt().toString())
                        .build())
                .onFailure().recoverWithItem(error -> HealthCheckResponse.named(NAME).down()
                        .withData("error", error.getClass().getSimpleName())
                        .build());
    }
}
