package io.s3broker.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import jakarta.enterprise.inject.Instance;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import io.s3broker.config.BrokerConfig;
import io.s3broker.testing.TestAuth;
import io.s3broker.testing.TestConfig;
import io.smallrye.jwt.auth.principal.JWTParser;
import io.smallrye.jwt.auth.principal.ParseException;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.net.SocketAddress;

/**
 * The warm-up's credential in each auth mode: the warm-up caller while issued and from a loopback peer only; once
 * revoked, what any unknown credential is (401 in api-key and jwt mode, anonymous in mode none).
 */
class WarmUpPassTest {

    static final HttpConnection LOOPBACK = connection("127.0.0.1");
    static final HttpConnection LOOPBACK6 = connection("0:0:0:0:0:0:0:1");
    static final HttpConnection REMOTE = connection("10.1.2.3");

    /** A connection whose TCP peer is {@code ip}; a proxied peer (remoteAddress() / remoteAddress(false)) is loopback. */
    static HttpConnection connection(String ip) {
        return (HttpConnection) Proxy.newProxyInstance(WarmUpPassTest.class.getClassLoader(),
                new Class<?>[] { HttpConnection.class }, (proxy, method, args) -> {
                    if (method.getName().equals("remoteAddress")) {
                        boolean real = args != null && (Boolean) args[0];
                        return SocketAddress.inetSocketAddress(4321, real ? ip : "127.0.0.1");
                    }
                    throw new UnsupportedOperationException(method.getName());
                });
    }

    @SuppressWarnings("unchecked")
    static Authenticator authenticator(BrokerConfig.Auth.Mode mode, WarmUpPass pass) {
        String name = mode.name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
        BrokerConfig config = TestConfig.of(Map.of("broker.auth.mode", name, "broker.auth.api-keys", TestAuth.apiKeys()));
        JWTParser refusing = (JWTParser) Proxy.newProxyInstance(WarmUpPassTest.class.getClassLoader(),
                new Class<?>[] { JWTParser.class }, (proxy, method, args) -> {
                    throw new ParseException("not a token");
                });
        Instance<JWTParser> jwt = (Instance<JWTParser>) Proxy.newProxyInstance(WarmUpPassTest.class.getClassLoader(),
                new Class<?>[] { Instance.class }, (proxy, method, args) -> {
                    if (method.getName().equals("get")) {
                        return refusing;
                    }
                    throw new UnsupportedOperationException(method.getName());
                });
        return new Authenticator(config, jwt, pass, Optional.of("keys.pem"), Optional.of("issuer"),
                Optional.of(List.of("audience")));
    }

    static Caller caller(Authenticator authenticator, String header, HttpConnection connection) {
        return authenticator.authenticate(header, connection).await().atMost(Duration.ofSeconds(5));
    }

    @ParameterizedTest
    @EnumSource(BrokerConfig.Auth.Mode.class)
    void acceptedWhileIssuedFromLoopbackOnlyAndUnknownOnceRevoked(BrokerConfig.Auth.Mode mode) {
        WarmUpPass pass = new WarmUpPass();
        Authenticator authenticator = authenticator(mode, pass);
        String header = pass.issue();

        assertSame(WarmUpPass.CALLER, caller(authenticator, header, LOOPBACK), mode + ": loopback");
        assertSame(WarmUpPass.CALLER, caller(authenticator, header, LOOPBACK6), mode + ": loopback IPv6");
        if (mode == BrokerConfig.Auth.Mode.NONE) {
            assertSame(Caller.ANONYMOUS, caller(authenticator, header, REMOTE), "none: from afar, anonymous");
        } else {
            assertThrows(AuthenticationFailed.class, () -> caller(authenticator, header, REMOTE),
                    mode + ": from afar, even when a proxy header says loopback");
            assertThrows(AuthenticationFailed.class, () -> caller(authenticator, header + "x", LOOPBACK),
                    mode + ": another secret");
        }

        pass.revoke();
        if (mode == BrokerConfig.Auth.Mode.NONE) {
            assertSame(Caller.ANONYMOUS, caller(authenticator, header, LOOPBACK), "none: anonymous once revoked");
        } else {
            assertThrows(AuthenticationFailed.class, () -> caller(authenticator, header, LOOPBACK),
                    mode + ": unknown once revoked");
        }
    }

    @Test
    void everyIssueIsANewSecretAndTheCallerIsNotItsNamesake() {
        WarmUpPass pass = new WarmUpPass();
        String first = pass.issue();
        String second = pass.issue();
        assertEquals(7 + 43, second.length(), "Bearer and 256 random bits");
        assertNull(pass.check(first, LOOPBACK), "the earlier secret is gone");
        assertSame(WarmUpPass.CALLER, pass.check(second, LOOPBACK));
        assertNotSame(WarmUpPass.CALLER, new Caller(WarmUpPass.CALLER.name()));
    }
}
