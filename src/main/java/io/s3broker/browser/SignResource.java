package io.s3broker.browser;

import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.jboss.resteasy.reactive.ResponseHeader;

import io.s3broker.auth.Caller;
import io.s3broker.browser.BrowserAnswers.SignedRequest;
import io.smallrye.mutiny.Uni;

/** Uppy 6's {@code signRequest}: one S3 request of an upload signed per call, with the rules of {@link RequestSigner}. */
@Path("/s3/sign")
@Produces(MediaType.APPLICATION_JSON)
// The errors of its own; those of every route are in CommonErrorResponses.
@APIResponse(responseCode = "404", ref = "Error")
@APIResponse(responseCode = "502", ref = "Error")
@APIResponse(responseCode = "504", ref = "Error")
public class SignResource {

    private final RequestSigner signer;

    public SignResource(RequestSigner signer) {
        this.signer = signer;
    }

    @POST
    @ResponseHeader(name = "Cache-Control", value = "no-store")
    @Operation(summary = "Uppy 6 signRequest: sign one S3 request of an upload; body {method, key, uploadId,"
            + " partNumber, contentType} (Uppy's PresignableRequest)")
    @APIResponse(responseCode = "200", description = "{url, key (new uploads: the key the broker chose), fields (a"
            + " POST policy, for PutObject), headers} (Uppy's PresignedResponse)")
    public Uni<SignedRequest> sign(@Context Caller caller, String body) {
        return signer.sign(caller, body);
    }
}
