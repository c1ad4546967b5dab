package io.s3broker.rest.error;

import jakarta.ws.rs.NotAcceptableException;
import jakarta.ws.rs.NotAllowedException;
import jakarta.ws.rs.NotFoundException;
import jakarta.ws.rs.NotSupportedException;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

import io.s3broker.credentials.CredentialsUnavailableException;

/**
 * Turns every failure into the JSON error body with the right status: no HTML page, no stack trace, and no
 * detail of an unexpected failure beyond a generic message (the log has it).
 */
public class ErrorMappers {

    private static final Logger LOG = Logger.getLogger(ErrorMappers.class);

    @ServerExceptionMapper
    public Response broker(BrokerException e) {
        if (e.code().status() >= 500) {
            LOG.warnf("%s: %s%s", e.code().code(), e.getMessage(), e.getCause() == null ? "" : " (" + e.getCause() + ")");
        }
        return respond(e.code(), e.getMessage());
    }

    @ServerExceptionMapper
    public Response credentials(CredentialsUnavailableException e) {
        return respond(ErrorCode.CREDENTIALS_UNAVAILABLE, e.getMessage());
    }

    @ServerExceptionMapper
    public Response notFound(NotFoundException e) {
        return respond(ErrorCode.NOT_FOUND, "No such resource");
    }

    @ServerExceptionMapper
    public Response notAllowed(NotAllowedException e) {
        Response.ResponseBuilder builder = Response.status(405).type(MediaType.APPLICATION_JSON_TYPE)
                .entity(ErrorResponse.of(ErrorCode.METHOD_NOT_ALLOWED, "Method not allowed on this resource"));
        e.getResponse().getAllowedMethods().forEach(m -> builder.header("Allow", m));
        return builder.build();
    }

    @ServerExceptionMapper
    public Response notSupported(NotSupportedException e) {
        return respond(ErrorCode.UNSUPPORTED_MEDIA_TYPE, "Unsupported Content-Type");
    }

    @ServerExceptionMapper
    public Response notAcceptable(NotAcceptableException e) {
        return respond(ErrorCode.NOT_ACCEPTABLE, "This resource answers application/json only");
    }

    @ServerExceptionMapper
    public Response web(WebApplicationException e) {
        int status = e.getResponse().getStatus();
        if (status >= 500) {
            LOG.error("Request failed", e);
            return respond(ErrorCode.INTERNAL_ERROR, "Internal error");
        }
        return respond(ErrorCode.INVALID_REQUEST, status, "Invalid request");
    }

    @ServerExceptionMapper
    public Response unexpected(Throwable e) {
        LOG.error("Request failed unexpectedly", e);
        return respond(ErrorCode.INTERNAL_ERROR, "Internal error");
    }

    public static Response respond(ErrorCode code, String message) {
        return respond(code, code.status(), message);
    }

    private static Response respond(ErrorCode code, int status, String message) {
        return Response.status(status).type(MediaType.APPLICATION_JSON_TYPE).entity(ErrorResponse.of(code, message)).build();
    }
}
