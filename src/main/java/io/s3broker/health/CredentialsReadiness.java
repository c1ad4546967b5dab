package io.s3broker.health;

import java.time.Duration;
import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.HealthCheckResponseBuilder;
import org.eclipse.microprofile.health.Readiness;

import io.s3broker.credentials.CredentialsCache.Availability;
import io.s3broker.credentials.ScopeCredentials;
import io.s3broker.credentials.ScopedCredentials;
import io.smallrye.health.api.AsyncHealthCheck;
import io.smallrye.mutiny.Uni;

/**
 * Ready while requests can get credentials for the scopes in use ({@link ScopedCredentials#inUse}): each holds
 * valid ones, or STS answers, so that a request would fetch them. None is waiting out a failure. Before any request,
 * the probe scope's (which allow nothing) stand for them: they say only that STS and the role work. Readiness
 * itself calls STS only through the probe, at its pace, however many scopes there are.
 * docs/decisions/0022-recovery-with-sts.md.
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
        ScopeCredentials probe = credentials.probe();
        List<ScopeCredentials> inUse = credentials.inUse();
        if (inUse.isEmpty()) {
            return Uni.createFrom().completionStage(() -> probe.cache().check())
                    .ifNoItem().after(PROBE_TIMEOUT).fail()
                    .map(ignored -> up(0))
                    .onFailure().recoverWithItem(error -> down("probe", error.getClass().getSimpleName()));
        }
        // The probe is only the canary here; keep its credentials (and their expiry, shown as data) fresh anyway.
        probe.cache().check();
        boolean allHeld = true;
        for (ScopeCredentials scope : inUse) {
            Availability availability = scope.cache().availability();
            if (availability == Availability.BLOCKED) {
                // Requests of this scope fail fast; the probe checks whether STS is back, and its success wakes it.
                credentials.recovery().checkSts();
                return Uni.createFrom().item(down(scope.sessionName(), "CredentialsUnavailable"));
            }
            allHeld &= availability == Availability.HELD;
        }
        if (allHeld || credentials.recovery().lastAnswered()) {
            return Uni.createFrom().item(up(inUse.size()));
        }
        // Some scope would have to call STS, which failed last: whether it answers now decides.
        return Uni.createFrom().completionStage(() -> credentials.recovery().checkSts())
                .ifNoItem().after(PROBE_TIMEOUT).recoverWithItem(false)
                .map(answers -> answers ? up(inUse.size()) : down("sts", "StsUnavailable"));
    }

    private HealthCheckResponse up(int inUse) {
        HealthCheckResponseBuilder up = HealthCheckResponse.named(NAME).up()
                .withData("scopes", credentials.all().size())
                .withData("scopesInUse", inUse);
        credentials.probe().cache().peek().ifPresent(probe -> up.withData("expiresAt", probe.expiresAt().toString()));
        return up.build();
    }

    private static HealthCheckResponse down(String scope, String error) {
        return HealthCheckResponse.named(NAME).down().withData("scope", scope).withData("error", error).build();
    }
}
