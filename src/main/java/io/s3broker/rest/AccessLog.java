package io.s3broker.rest;

import java.util.regex.Pattern;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import org.jboss.logging.Logger;

import io.s3broker.auth.WarmUpPass;
import io.s3broker.http.RouteOrder;
import io.s3broker.logging.LogText;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

/**
 * One access-log line per request, as Quarkus' access log with the pattern {@code %h "%r" %s %b %D ms} writes it,
 * but with the request target escaped as every log field of client input is. Quarkus' own access log writes the
 * target as received, and Netty hands on its raw bytes (read as Latin-1): a byte 0x85 (NEL) or the UTF-8 of U+2028
 * would reach the log as a line break. Its pattern attributes are found by ServiceLoader in Quarkus' own class
 * loader, which in test mode does not see the application's: hence this handler instead of a custom attribute.
 */
@ApplicationScoped
public class AccessLog {

    static final String CATEGORY = "s3broker.access";
    private static final Logger LOG = Logger.getLogger(CATEGORY);
    /** Probes and scrapes, as often as every few seconds: not worth a line each. */
    private static final Pattern EXCLUDED = Pattern.compile("/q/(health|metrics).*");

    void register(@Observes Router router) {
        router.route().order(RouteOrder.ACCESS_LOG.order()).handler(this::handle);
    }

    private void handle(RoutingContext ctx) {
        if (LOG.isInfoEnabled() && !EXCLUDED.matcher(ctx.request().path()).matches()) {
            long start = System.nanoTime();
            ctx.addEndHandler(ignored -> {
                // The broker's own warm-up requests leave one summary line instead (WarmUp).
                if (ctx.get(CallerFilter.CALLER) != WarmUpPass.CALLER) {
                    LOG.info(line(ctx, (System.nanoTime() - start) / 1_000_000));
                }
            });
        }
        ctx.next();
    }

    private static String line(RoutingContext ctx, long millis) {
        String version = switch (ctx.request().version()) {
            case HTTP_1_0 -> "HTTP/1.0";
            case HTTP_1_1 -> "HTTP/1.1";
            case HTTP_2 -> "HTTP/2.0";
        };
        long bytes = ctx.response().bytesWritten();
        String client = ctx.request().remoteAddress() == null ? "-" : ctx.request().remoteAddress().host();
        return client + " \"" + ctx.request().method() + " "
                + LogText.escape(ctx.request().uri()) + " " + version + "\" " + ctx.response().getStatusCode() + " "
                + (bytes == 0 ? "-" : Long.toString(bytes)) + " " + millis + " ms";
    }
}
