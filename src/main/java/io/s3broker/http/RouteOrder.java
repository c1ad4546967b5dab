package io.s3broker.http;

import io.quarkus.vertx.http.runtime.RouteConstants;

/**
 * Where each of the broker's own route handlers runs among Quarkus' routes, in the order they run: the one place
 * that says it, so that a handler names its slot instead of counting from Quarkus' constants. Within an anchor the
 * declaration order is the run order.
 */
public enum RouteOrder {

    /** First of all: a request that reaches the router has its header complete. */
    HEADER_DEADLINE(Anchor.FIRST),
    /** Where Quarkus' own access log runs: before anything that can answer. */
    ACCESS_LOG(Anchor.FIRST),
    /** The gate of every route: query string, caller, rate (CallerFilter). */
    CALLER(Anchor.BEFORE_UPLOAD_LIMIT),
    /**
     * The streaming uploads, after the gate and ahead of Quarkus' body-size limit, which would cap them at
     * quarkus.http.limits.max-body-size: they apply broker.upload.max-size as they stream.
     */
    STREAMING_UPLOADS(Anchor.BEFORE_UPLOAD_LIMIT);

    /** The Quarkus route an entry is placed against. */
    private enum Anchor {
        /** At Quarkus' earliest order; ties run in the order the handlers were added. */
        FIRST,
        /** Just before Quarkus' upload limit ({@link RouteConstants#ROUTE_ORDER_UPLOAD_LIMIT}). */
        BEFORE_UPLOAD_LIMIT
    }

    private final Anchor anchor;

    RouteOrder(Anchor anchor) {
        this.anchor = anchor;
    }

    /** The value for Vert.x' {@code Route.order}. */
    public int order() {
        if (anchor == Anchor.FIRST) {
            return Integer.MIN_VALUE;
        }
        int after = 0;
        for (RouteOrder later : values()) {
            if (later.anchor == anchor && later.ordinal() >= ordinal()) {
                after++;
            }
        }
        return RouteConstants.ROUTE_ORDER_UPLOAD_LIMIT - after;
    }
}
