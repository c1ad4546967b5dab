package io.s3broker.rest;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import io.s3broker.access.CallerLimits;
import io.s3broker.auth.Authenticator;
import io.s3broker.auth.Caller;
import io.s3broker.http.RouteOrder;
import io.s3broker.rest.error.BrokerException;
import io.s3broker.rest.error.ErrorCode;
import io.vertx.core.Context;
import io.vertx.core.Handler;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.HttpException;

/**
 * The gate of every route, JAX-RS resources and upload routes alike: a query string that decodes and names each
 * parameter once, an authenticated caller, and the caller's request rate. Closed by default: only Quarkus' own
 * endpoints under /q (health, metrics, OpenAPI) stay open, judged on the normalized path, so that no spelling of a
 * path ("//item", "/q/../item") reaches a handler that the gate did not see. A CORS preflight passes (Quarkus' CORS
 * filter, which runs before, answers it).
 * <p>
 * Handlers receive the caller it let through as a value: a resource method as a {@code @Context Caller} parameter
 * ({@link CallerParameter}), a Vert.x route through {@link #withCaller}.
 */
@ApplicationScoped
public class CallerFilter {

    /** Where the caller is kept for the handlers that follow. */
    static final String CALLER = "broker.caller";
    /** Open to anyone: Quarkus' non-application endpoints. */
    private static final String OPEN_ROOT = "/q/";
    /**
     * Open to anyone: the upload page and its static files (UploadPage), which ask for the credential themselves and
     * send it with every API call; GET only.
     */
    private static final String PAGE = "/upload";

    private final Authenticator authenticator;
    private final CallerLimits limits;
    private final RouteResponses responses;

    public CallerFilter(Authenticator authenticator, CallerLimits limits, RouteResponses responses) {
        this.authenticator = authenticator;
        this.limits = limits;
        this.responses = responses;
    }

    void register(@Observes Router router) {
        router.route().order(RouteOrder.CALLER.order()).handler(this::filter);
    }

    /** A Vert.x route handler that is given the request's caller. */
    @FunctionalInterface
    public interface CallerHandler {
        void handle(RoutingContext ctx, Caller caller);
    }

    /** {@code handler} as a route handler, given the caller the filter let through. */
    public static Handler<RoutingContext> withCaller(CallerHandler handler) {
        return ctx -> handler.handle(ctx, caller(ctx));
    }

    /**
     * The caller the filter let through; every request that reaches an API handler has one. Handlers take it as a
     * parameter ({@link CallerParameter}, {@link #withCaller}) rather than calling this.
     */
    static Caller caller(RoutingContext ctx) {
        Caller caller = ctx.get(CALLER);
        if (caller == null) {
            throw new IllegalStateException("No authenticated caller on " + ctx.request().path());
        }
        return caller;
    }

    void filter(RoutingContext ctx) {
        String path = ctx.normalizedPath();
        if (path.startsWith(OPEN_ROOT) || isPage(ctx, path) || isPreflight(ctx)) {
            ctx.next();
            return;
        }
        try {
            checkQuery(ctx);
        } catch (BrokerException e) {
            responses.error(ctx, e);
            return;
        }
        Context context = Vertx.currentContext();
        boolean[] paused = { false };
        String authorization = ctx.request().getHeader(HttpHeaders.AUTHORIZATION);
        authenticator.authenticate(authorization, ctx.request().connection()).subscribe().with(
                caller -> onContext(context, () -> admit(ctx, caller, paused[0])),
                failure -> onContext(context, () -> responses.error(ctx, failure)));
        if (!ctx.response().ended() && ctx.get(CALLER) == null) {
            // Verification went to a worker (a JWT whose keys are fetched): hold the body until it is done.
            ctx.request().pause();
            paused[0] = true;
        }
    }

    private void admit(RoutingContext ctx, Caller caller, boolean paused) {
        try {
            limits.request(caller);
        } catch (RuntimeException e) {
            responses.error(ctx, e);
            return;
        }
        ctx.put(CALLER, caller);
        if (paused) {
            ctx.request().resume();
        }
        ctx.next();
    }

    /** Malformed escapes and repeated parameters are refused here, the same way for every route. */
    private static void checkQuery(RoutingContext ctx) {
        MultiMap params;
        try {
            params = ctx.queryParams();
        } catch (IllegalArgumentException | HttpException e) {
            // Vert.x Web wraps the decoder's IllegalArgumentException in an HttpException(400), which its router
            // would answer with an empty body.
            throw new BrokerException(ErrorCode.INVALID_REQUEST, "Malformed query string: invalid percent-encoding");
        }
        for (String name : params.names()) {
            if (params.getAll(name).size() > 1) {
                throw new BrokerException(ErrorCode.INVALID_PARAMETER, "Invalid parameter '" + truncate(name)
                        + "': given more than once");
            }
        }
    }

    private static String truncate(String name) {
        return name.length() > 64 ? name.substring(0, 64) + "..." : name;
    }

    private static boolean isPage(RoutingContext ctx, String path) {
        return ctx.request().method() == HttpMethod.GET && (path.equals(PAGE) || path.startsWith(PAGE + "/"));
    }

    private static boolean isPreflight(RoutingContext ctx) {
        return ctx.request().method() == HttpMethod.OPTIONS && ctx.request().getHeader(HttpHeaders.ORIGIN) != null
                && ctx.request().getHeader(HttpHeaders.ACCESS_CONTROL_REQUEST_METHOD) != null;
    }

    /**
     * An API key is checked at once, on the loop; a JWT may be verified on a worker, whose answer comes back here.
     * The thread is checked too: a worker may carry the request's context, and an answer written from a worker can
     * be overtaken by the connection's close that RouteResponses queues on the loop.
     */
    static void onContext(Context context, Runnable action) {
        if (Context.isOnEventLoopThread() && Vertx.currentContext() == context) {
            action.run();
        } else {
            context.runOnContext(ignored -> action.run());
        }
    }
}
