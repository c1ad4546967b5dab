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

import io.s3broker.logging.LogText;

/**
 * The JAX-RS side of {@link ApiErrors}: every failure becomes the JSON error body with the right status, no HTML
 * page, no stack trace. JAX-RS's own exceptions (no such resource, wrong method or media type) are mapped here.
 */
public class ErrorMappers {

    private static final Logger LOG = Logger.getLogger(ErrorMappers.class);

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
            LOG.error("Request failed", LogText.escaped(e));
            return respond(ErrorCode.INTERNAL_ERROR, "Internal error");
        }
        return respond(ErrorCode.INVALID_REQUEST, status, "Invalid request");
    }

    /** Everything else: the failures of the broker's own layers, and the unexpected. */
    @ServerExceptionMapper
    public Response failure(Throwable e) {
        ApiErrors.ApiError error = ApiErrors.of(e);
        Response.ResponseBuilder builder = Response.status(error.status()).type(MediaType.APPLICATION_JSON_TYPE)
                .entity(error.body());
        error.headers().forEach(builder::header);
        return builder.build();
    }

    public static Response respond(ErrorCode code, String message) {
        return respond(code, code.status(), message);
    }

    private static Response respond(ErrorCode code, int status, String message) {
        return Response.status(status).type(MediaType.APPLICATION_JSON_TYPE).entity(ErrorResponse.of(code, message)).build();
    }
}
