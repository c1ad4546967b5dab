package io.s3broker.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

import io.quarkus.vertx.http.runtime.RouteConstants;

/** The registry's declaration order is the order in which the handlers run. */
class RouteOrderTest {

    @Test
    void handlersRunInTheOrderTheRegistryNamesThem() {
        RouteOrder[] all = RouteOrder.values();
        for (int i = 1; i < all.length; i++) {
            assertTrue(all[i - 1].order() <= all[i].order(), all[i - 1] + " runs before " + all[i]);
        }
        assertTrue(RouteOrder.CALLER.order() < RouteOrder.STREAMING_UPLOADS.order(), "the gate before the uploads");
    }

    @Test
    void theUploadsRunAheadOfQuarkusBodyLimitAndAfterItsBodyHandler() {
        assertEquals(RouteConstants.ROUTE_ORDER_UPLOAD_LIMIT - 1, RouteOrder.STREAMING_UPLOADS.order());
        assertTrue(RouteOrder.CALLER.order() > RouteConstants.ROUTE_ORDER_BODY_HANDLER);
        assertEquals(Integer.MIN_VALUE, RouteOrder.HEADER_DEADLINE.order());
    }
}
