package io.s3broker.rest;

import java.util.Map;

import jakarta.inject.Singleton;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.s3broker.rest.error.ApiErrors;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.HttpVersion;
import io.vertx.ext.web.RoutingContext;

/** JSON answers written by the Vert.x routes (uploads, authentication) rather than by JAX-RS. */
@Singleton
public class RouteResponses {

    /** How long a refused request's connection keeps draining its body before it is closed. */
    private static final long LINGER_MILLIS = 2_000;

    private final ObjectMapper json;

    public RouteResponses(ObjectMapper json) {
        this.json = json;
    }

    /** The answer {@link ApiErrors} gives to {@code failure}. Must run on the request's event loop. */
    public void error(RoutingContext ctx, Throwable failure) {
        ApiErrors.ApiError error = ApiErrors.of(failure);
        json(ctx, error.status(), error.body(), error.headers());
    }

    /** Must run on the request's event loop; does nothing once an answer was sent. */
    public void json(RoutingContext ctx, int status, Object body, Map<String, String> headers) {
        HttpServerResponse response = ctx.response();
        if (response.ended() || response.closed() || response.headWritten()) {
            return;
        }
        String text;
        try {
            text = json.writeValueAsString(body);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
        // A body the client is still sending cannot be skipped on a kept-alive connection: close it. But close it
        // lingering, as web servers do: read and drop what still comes for a moment, so that the client gets to
        // read this answer instead of a reset on its next write. On HTTP/2 only the request's stream is closed (reset
        // with NO_ERROR, RFC 9113 8.1): the connection carries other requests, and has no Connection header.
        HttpServerRequest request = ctx.request();
        boolean unread = !request.isEnded();
        // Closed once both the answer is written and the body is drained, or when the lingering time is over; never
        // before the answer is on the wire.
        boolean[] writtenAndDrained = { false, false };
        if (unread) {
            if (request.version() != HttpVersion.HTTP_2) {
                response.putHeader(HttpHeaders.CONNECTION, "close");
            }
            request.handler(ignored -> {
            });
            request.exceptionHandler(ignored -> {
            });
            request.endHandler(ignored -> {
                writtenAndDrained[1] = true;
                if (writtenAndDrained[0]) {
                    close(request);
                }
            });
            request.resume();
        }
        headers.forEach(response::putHeader);
        response.setStatusCode(status)
                .putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
                .putHeader(HttpHeaders.CACHE_CONTROL, "no-store")
                .end(text)
                .onComplete(ignored -> {
                    if (unread) {
                        writtenAndDrained[0] = true;
                        if (writtenAndDrained[1]) {
                            close(request);
                        } else {
                            ctx.vertx().setTimer(LINGER_MILLIS, id -> close(request));
                        }
                    }
                });
    }

    /** Ends what carries a request whose answer is out: its HTTP/2 stream (a no-op once read), else its connection. */
    private static void close(HttpServerRequest request) {
        if (request.version() == HttpVersion.HTTP_2) {
            request.response().reset(0);
        } else {
            request.connection().close();
        }
    }
}
