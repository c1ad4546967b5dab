package io.s3broker.rest;

import java.time.Instant;
import java.util.List;

import jakarta.ws.rs.NotFoundException;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.jboss.resteasy.reactive.ResponseHeader;

import io.s3broker.access.CredentialVending;
import io.s3broker.auth.Caller;
import io.s3broker.credentials.Access;
import io.smallrye.mutiny.Uni;

/**
 * Credential vending, for clients that use an S3 SDK themselves: temporary credentials scoped by session policy to
 * the caller's whole allow-list, from short sessions of their own. Off unless {@code broker.credentials.enabled}.
 */
@Path("/credentials")
@Produces(MediaType.APPLICATION_JSON)
// The errors of its own; those of every route are in CommonErrorResponses.
@APIResponse(responseCode = "404", ref = "Error")
public class CredentialsResource {

    private final CredentialVending vending;

    public CredentialsResource(CredentialVending vending) {
        this.vending = vending;
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
    public Uni<VendedCredentials> vend(@Context Caller caller) {
        if (!vending.enabled()) {
            throw new NotFoundException();
        }
        VendedScope entries = new VendedScope(vending.entries(caller, Access.READ), vending.entries(caller, Access.WRITE));
        return vending.forAllowLists(caller).map(vended -> new VendedCredentials(true, vended.accessKeyId(),
                vended.secretAccessKey(), vended.sessionToken(), vended.expiration(), entries));
    }
}
