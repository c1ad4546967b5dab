package io.s3broker.startup;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.event.ObservesAsync;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.quarkus.vertx.http.HttpServerStart;
import io.s3broker.access.AccessPolicy;
import io.s3broker.auth.WarmUpPass;
import io.s3broker.config.BrokerConfig;
import io.s3broker.credentials.Access;
import io.s3broker.credentials.Grant;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;

/**
 * The warm-up before readiness: once the public port listens, {@code broker.warm-up.connections} loopback
 * connections send {@code GET /item?check=false} for a key of the first literal read entry, each its next request
 * when the last is answered, for {@code broker.warm-up.duration}; readiness answers DOWN meanwhile
 * ({@link WarmUpReadiness}). The requests take the whole public path (Vert.x, the router, authentication with a
 * one-time {@link WarmUpPass}, the allow-list, the presigner, JSON), which is what the JIT must have compiled when
 * real traffic comes; they call neither STS nor S3 once the scope's credentials are held. They leave no access-log or
 * audit line, only one summary at the end. docs/decisions/0037-warm-up-before-readiness.md.
 */
@ApplicationScoped
public class WarmUp {

    private static final Logger LOG = Logger.getLogger(WarmUp.class);
    /** Under the read entry; need not exist (check=false). */
    static final String KEY = "broker-warm-up";

    enum State { OFF, WAITING, RUNNING, DONE }

    private final Duration duration;
    private final int connections;
    private final WarmUpPass pass;
    private final Vertx vertx;
    private final String path;
    private final boolean plainHttp;
    private volatile State state;
    private final AtomicBoolean started = new AtomicBoolean();
    private final AtomicBoolean ended = new AtomicBoolean();
    private final AtomicLong answered = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    /** The header with the secret; the requests' own, for as long as the warm-up runs. Never logged. */
    private volatile String authorization;
    private volatile HttpClient client;
    private volatile long startNanos;
    private volatile long timer = -1;

    public WarmUp(BrokerConfig config, AccessPolicy access, WarmUpPass pass, Vertx vertx,
            @ConfigProperty(name = "quarkus.http.insecure-requests", defaultValue = "enabled") String insecure,
            @ConfigProperty(name = "quarkus.http.root-path", defaultValue = "/") String rootPath) {
        this.duration = config.warmUp().duration();
        this.connections = config.warmUp().connections();
        this.pass = pass;
        this.vertx = vertx;
        List<Grant> entries = access.list(WarmUpPass.CALLER, Access.READ).literalGrants();
        String root = rootPath.endsWith("/") ? rootPath.substring(0, rootPath.length() - 1) : rootPath;
        this.path = entries.isEmpty() ? null : root + "/item?bucket=" + encode(entries.get(0).bucket()) + "&key="
                + encode(entries.get(0).prefix() + KEY) + "&check=false";
        this.plainHttp = "enabled".equalsIgnoreCase(insecure);
        this.state = duration.isZero() ? State.OFF : State.WAITING;
    }

    /** Said at start-up, before the port listens, so that the reason is in the log even if it never does. */
    void announce(@Observes StartupEvent event) {
        if (state != State.WAITING) {
            return;
        }
        String skip = path == null
                ? "broker.access.read has no literal entry (templated entries would need each caller's own credentials)"
                : !plainHttp ? "quarkus.http.insecure-requests is not 'enabled': the warm-up speaks plain HTTP" : null;
        if (skip != null) {
            state = State.OFF;
            LOG.infof("Warm-up skipped: %s; readiness does not wait for it", skip);
        }
    }

    void start(@ObservesAsync HttpServerStart server) {
        if (state != State.WAITING || ended.get() || !started.compareAndSet(false, true)) {
            return;
        }
        int port = server.options().getPort();
        if (port <= 0) {
            state = State.OFF;
            LOG.info("Warm-up skipped: the HTTP port is chosen at random, and its number is not known here");
            return;
        }
        String host = loopback(server.options().getHost());
        if (host == null) {
            state = State.OFF;
            LOG.infof("Warm-up skipped: the HTTP server listens on %s only, not on loopback", server.options().getHost());
            return;
        }
        authorization = pass.issue();
        client = vertx.createHttpClient(new HttpClientOptions().setDefaultHost(host).setDefaultPort(port)
                .setMaxPoolSize(connections).setKeepAlive(true));
        startNanos = System.nanoTime();
        state = State.RUNNING;
        timer = vertx.setTimer(duration.toMillis(), id -> end("its duration passed"));
        LOG.infof("Warm-up: %d connections send GET /item?check=false for %s; readiness waits for it", connections,
                duration);
        for (int i = 0; i < connections; i++) {
            send(authorization);
        }
    }

    private void send(String authorization) {
        HttpClient http = client;
        if (ended.get() || http == null) {
            return;
        }
        http.request(HttpMethod.GET, path)
                .compose(request -> request.putHeader(HttpHeaders.AUTHORIZATION, authorization).send())
                .compose(response -> response.body().map(body -> response.statusCode()))
                .onComplete(result -> {
                    if (ended.get()) {
                        return;
                    }
                    if (result.succeeded() && result.result() == 200) {
                        answered.incrementAndGet();
                        send(authorization);
                    } else {
                        failed.incrementAndGet();
                        String failure = result.succeeded() ? "HTTP " + result.result()
                                : result.cause().getClass().getSimpleName();
                        // A failing hot path is not warmed by repeating it: readiness's own checks say what is wrong.
                        end("a request failed (" + failure + ")");
                    }
                });
    }

    /** Ends the warm-up at once: the secret is refused from now on, readiness follows its usual checks. */
    void end(String why) {
        if (!ended.compareAndSet(false, true)) {
            return;
        }
        pass.revoke();
        authorization = null;
        state = State.DONE;
        if (timer >= 0) {
            vertx.cancelTimer(timer);
        }
        HttpClient http = client;
        client = null;
        if (http != null) {
            http.close();
        }
        if (startNanos != 0) {
            LOG.infof("Warm-up done after %d ms, %s: %d requests answered, %d errors",
                    (System.nanoTime() - startNanos) / 1_000_000, why, answered.get(), failed.get());
        }
    }

    void stop(@Observes ShutdownEvent event) {
        if (warming()) {
            end("the broker shuts down");
        }
    }

    /** Whether readiness must wait: the warm-up is on and has not ended. */
    public boolean warming() {
        State now = state;
        return now == State.WAITING || now == State.RUNNING;
    }

    public long answered() {
        return answered.get();
    }

    State state() {
        return state;
    }

    long failed() {
        return failed.get();
    }

    String authorization() {
        return authorization;
    }

    /** The address to reach a server bound to {@code host} on this machine by loopback, or null if there is none. */
    static String loopback(String host) {
        if (host == null || host.isEmpty() || host.equals("0.0.0.0") || host.equals("localhost")
                || host.startsWith("127.")) {
            return "127.0.0.1";
        }
        if (host.equals("::") || host.equals("[::]") || host.equals("::1") || host.equals("[::1]")) {
            return "::1";
        }
        return null;
    }

    private static String encode(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }
}
