package io.s3broker.health;

import java.time.Duration;

import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

import io.s3broker.credentials.ScopedCredentials;
import io.smallrye.health.api.AsyncHealthCheck;
import io.smallrye.mutiny.Uni;

/**
 * Ready while role credentials can be had: the probe scope's (which allow nothing, so they say only that STS and
 * the role work), from its cache or by a fetch this check starts, at the probe's pace within the cache's backoff.
 * With many scopes this stays one AssumeRole per session, and the soonest expiry of them all is a metric.
 */
@Readiness
@ApplicationScoped
public class CredentialsReadiness implements AsyncHealthCheck {

    static final String NAME = "sts-credentials";
    private static final Duration PROBE_TIMEOUT = Duration.ofSeconds(5);

    private final ScopedCredentials credentials;

    public CredentialsReadiness(ScopedCredentials credentials) {
        this.credentials = credentials;
    }

    @Override
    public Uni<HealthCheckResponse> call() {
        return Uni.createFrom().completionStage(() -> credentials.probe().cache().get())
                .ifNoItem().after(PROBE_TIMEOUT).fail()
                .map(cached -> HealthCheckResponse.named(NAME).up()
                        .withData("expiresAt", cached.expiresAt().toString())
                        .withData("scopes", credentials.all().size())
                        .build())
                .onFailure().recoverWithItem(error -> HealthCheckResponse.named(NAME).down()
                        .withData("error", error.getClass().getSimpleName())
                        .build());
    }
}
