package io.s3broker.rest;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

import jakarta.ws.rs.NotFoundException;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.jboss.resteasy.reactive.ResponseHeader;

import io.s3broker.access.AccessPolicy;
import io.s3broker.access.Audit;
import io.s3broker.auth.Caller;
import io.s3broker.config.BrokerConfig;
import io.s3broker.credentials.Access;
import io.s3broker.credentials.Grant;
import io.s3broker.credentials.ScopeCredentials;
import io.smallrye.mutiny.Uni;
import io.vertx.ext.web.RoutingContext;
import software.amazon.awssdk.auth.credentials.AwsSessionCredentials;

/**
 * Credential vending, for clients that use an S3 SDK themselves: temporary credentials scoped by session policy to
 * the caller's whole allow-list, from short sessions of their own. Off unless {@code broker.credentials.enabled}.
 */
@Path("/credentials")
@Produces(MediaType.APPLICATION_JSON)
public class CredentialsResource {

    private final AccessPolicy access;
    private final Audit audit;
    private final boolean enabled;
    private final Duration minimumValidity;

    public CredentialsResource(AccessPolicy access, Audit audit, BrokerConfig config) {
        this.access = access;
        this.audit = audit;
        this.enabled = config.credentials().enabled();
        // Callers share a cached set while it has at least half its life left, so vending costs no AssumeRole per call.
        this.minimumValidity = config.credentials().duration().dividedBy(2);
    }

    /** The answer of POST /credentials: a secret, so never cached by anything in between. */
    public record VendedCredentials(boolean success, String accessKeyId, String secretAccessKey, String sessionToken,
            Instant expiration, VendedScope scope) {

        @Override
        public String toString() {
            return "VendedCredentials[accessKeyId=" + accessKeyId + ", expiration=" + expiration + "]";
        }
    }

    /** The allow-list entries the credentials are scoped to. */
    public record VendedScope(List<String> read, List<String> write) {
    }

    @POST
    @ResponseHeader(name = "Cache-Control", value = "no-store")
    @Operation(summary = "Temporary credentials scoped to the caller's allow-lists (when credential vending is on)")
    @APIResponse(responseCode = "200", description = "The credentials and the entries they are scoped to")
    @APIResponse(responseCode = "401", ref = "Error")
    @APIResponse(responseCode = "403", ref = "Error")
    @APIResponse(responseCode = "404", ref = "Error")
    @APIResponse(responseCode = "429", ref = "Error")
    @APIResponse(responseCode = "503", ref = "Error")
    public Uni<VendedCredentials> vend(RoutingContext ctx) {
        if (!enabled) {
            throw new NotFoundException();
        }
        Caller caller = CallerFilter.caller(ctx);
        ScopeCredentials scope = access.vending(caller);
        VendedScope entries = new VendedScope(entries(caller, Access.READ), entries(caller, Access.WRITE));
        return Uni.createFrom().completionStage(() -> scope.cache().get(minimumValidity))
                .map(cached -> {
                    AwsSessionCredentials credentials = cached.credentials();
                    audit.granted(caller, "vend", "-", scope.sessionName(), cached.expiresAt(),
                            credentials.accessKeyId());
                    return new VendedCredentials(true, credentials.accessKeyId(), credentials.secretAccessKey(),
                            credentials.sessionToken(), cached.expiresAt(), entries);
                });
    }

    /** The caller's entries as its credentials have them: templated ones with its own key segment. */
    private List<String> entries(Caller caller, Access kind) {
        return access.list(caller, kind).grants(caller).stream().map(Grant::entry).toList();
    }
}
