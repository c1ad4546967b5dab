package io.s3broker.http;

import java.lang.reflect.Field;
import java.time.Duration;

import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.event.ObservesAsync;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.quarkus.runtime.LaunchMode;
import io.quarkus.vertx.http.HttpServerStart;
import io.s3broker.config.BrokerConfig;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.http.impl.HttpServerImpl;
import io.vertx.core.impl.VertxInternal;
import io.vertx.core.net.impl.ConnectionBase;
import io.vertx.core.net.impl.TCPServerBase;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

/**
 * Closes connections of the public port that do not send a whole request header block within
 * {@code broker.header-timeout} (nginx's client_header_timeout, hyper's header_read_timeout). Quarkus and Vert.x 4.5
 * have no such bound, and Netty's idle handlers start again at every byte, so a client that sends one byte a second
 * never trips them; nor do they offer a hook on accepted connections. So this puts a handler of its own in front of
 * the listening channel's acceptor, which gives every accepted connection a {@link HeaderDeadline}, and the first
 * route disarms it. docs/decisions/0023-header-timeout.md.
 */
@ApplicationScoped
public class HeaderTimeout {

    private static final Logger LOG = Logger.getLogger(HeaderTimeout.class);

    private final Duration timeout;
    private final MeterRegistry registry;
    private final Counter timeouts;
    private final int port;

    public HeaderTimeout(BrokerConfig config, MeterRegistry registry,
            @ConfigProperty(name = "quarkus.http.port") int port,
            @ConfigProperty(name = "quarkus.http.test-port", defaultValue = "8081") int testPort) {
        this.timeout = config.headerTimeout();
        this.registry = registry;
        this.port = LaunchMode.current() == LaunchMode.TEST ? testPort : port;
        this.timeouts = Counter.builder("broker.http.header.timeouts")
                .description("Connections closed because their request header was not complete within broker.header-timeout")
                .register(registry);
    }

    /** Micrometer's global registry outlives the application (as BrokerMetrics explains). */
    @PreDestroy
    void removeMeter() {
        registry.remove(timeouts);
    }

    void register(@Observes Router router) {
        if (!timeout.isZero()) {
            router.route().order(RouteOrder.HEADER_DEADLINE.order()).handler(this::requestStarted);
        }
    }

    /**
     * Runs once Quarkus listens (after the StartupEvent, which comes before the server binds): the listening channel
     * exists from then on. Should Vert.x no longer keep it where this looks, the broker runs without the bound and
     * says so loudly (the slow-clients test fails on such a Vert.x).
     */
    void install(@ObservesAsync HttpServerStart start, Vertx vertx) {
        if (timeout.isZero()) {
            return;
        }
        try {
            Channel listening = listeningChannel(vertx);
            listening.pipeline().addFirst("broker-header-deadline", new Acceptor(timeout.toNanos(), timeouts::increment));
            LOG.debugf("Connections of port %d must send their request header within %s", port, timeout);
        } catch (RuntimeException e) {
            LOG.errorf(e, "Running WITHOUT broker.header-timeout: slow clients can hold the public port's connections");
        }
    }

    private void requestStarted(RoutingContext ctx) {
        HeaderDeadline deadline = deadline(ctx.request().connection());
        if (deadline != null) {
            deadline.requestStarted(ctx.request().version() == HttpVersion.HTTP_2);
            ctx.addEndHandler(ended -> deadline.requestEnded());
        }
        ctx.next();
    }

    private static HeaderDeadline deadline(HttpConnection connection) {
        return connection instanceof ConnectionBase base ? base.channel().attr(HeaderDeadline.KEY).get() : null;
    }

    /**
     * The server channel that accepts the public port's connections. Vert.x keeps it in a private field of its shared
     * server; read here by reflection, the one place the broker reaches into Vert.x. If a new Vert.x moves it, start-up
     * fails with this message (and the slow-client test fails).
     */
    private Channel listeningChannel(Vertx vertx) {
        for (HttpServerImpl server : ((VertxInternal) vertx).sharedHttpServers().values()) {
            if (server.actualPort() == port) {
                try {
                    Field bound = TCPServerBase.class.getDeclaredField("bindFuture");
                    bound.setAccessible(true);
                    Object channel = ((io.vertx.core.Future<?>) bound.get(server)).result();
                    if (channel instanceof Channel listening) {
                        return listening;
                    }
                } catch (ReflectiveOperationException | RuntimeException e) {
                    throw new IllegalStateException("broker.header-timeout: cannot reach the listening channel of port "
                            + port + " in this Vert.x version; set broker.header-timeout=0 to start without the bound", e);
                }
            }
        }
        throw new IllegalStateException("broker.header-timeout: no HTTP server listens on port " + port
                + " yet; set broker.header-timeout=0 to start without the bound");
    }

    /** On the listening channel, before Netty's acceptor: every new connection gets its deadline, first in line. */
    @ChannelHandler.Sharable
    private static final class Acceptor extends ChannelInboundHandlerAdapter {
        private final long timeoutNanos;
        private final Runnable onTimeout;

        Acceptor(long timeoutNanos, Runnable onTimeout) {
            this.timeoutNanos = timeoutNanos;
            this.onTimeout = onTimeout;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
            if (msg instanceof Channel accepted) {
                accepted.pipeline().addFirst("broker-header-deadline", new HeaderDeadline(timeoutNanos, onTimeout));
            }
            super.channelRead(ctx, msg);
        }
    }
}
