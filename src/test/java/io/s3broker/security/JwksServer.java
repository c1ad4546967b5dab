package io.s3broker.security;

import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;

/**
 * A JWKS served over http by a Vert.x server of its own, slowly ({@link #DELAY_MILLIS}, longer than Quarkus' blocked
 * event loop warning). {@code /fetches} says how often the keys were fetched. Its port is a runtime value, while the
 * key location must be set at build time (else Quarkus' JWT dev service adds a generated public key in tests, which
 * wins over a location): {@link Profile} gives the location with the port as an expression.
 */
public class JwksServer implements QuarkusTestResourceLifecycleManager {

    static final long DELAY_MILLIS = 4000;
    static final String PORT = "broker-test.jwks-port";

    private Vertx vertx;

    public static class Profile implements io.quarkus.test.junit.QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("broker.auth.mode", "jwt",
                    "mp.jwt.verify.publickey.location", "http://127.0.0.1:${" + PORT + ":1}/jwks",
                    "mp.jwt.verify.issuer", JwtKeys.ISSUER,
                    "mp.jwt.verify.audiences", JwtKeys.AUDIENCE);
        }
    }

    @Override
    public Map<String, String> start() {
        vertx = Vertx.vertx();
        AtomicInteger fetches = new AtomicInteger();
        String jwks = JwtKeys.jwks();
        HttpServer server = vertx.createHttpServer().requestHandler(request -> {
            if (request.path().equals("/fetches")) {
                request.response().end(Integer.toString(fetches.get()));
                return;
            }
            fetches.incrementAndGet();
            vertx.setTimer(DELAY_MILLIS, id -> request.response().putHeader("Content-Type", "application/json").end(jwks));
        });
        try {
            server.listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("Could not start the JWKS server", e);
        }
        return Map.of(PORT, Integer.toString(server.actualPort()));
    }

    @Override
    public void stop() {
        if (vertx != null) {
            vertx.close();
        }
    }
}
