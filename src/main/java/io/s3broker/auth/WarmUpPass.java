package io.s3broker.auth;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;

import jakarta.inject.Singleton;

import io.vertx.core.http.HttpConnection;
import io.vertx.core.net.SocketAddress;

/**
 * The credential of the broker's own warm-up requests: a random secret made when the warm-up starts, held only here,
 * accepted in every auth mode but only from a loopback peer, and forgotten when the warm-up ends, after which it is
 * as unknown as any other. While none is issued, checking a request costs one read of a field.
 */
@Singleton
public class WarmUpPass {

    /**
     * The caller of warm-up requests. Compared by reference where its requests must leave no trace (access log, audit
     * log, rate limits): a client whose name happens to be the same is another instance and is treated as any caller.
     */
    public static final Caller CALLER = new Caller("broker-warm-up");
    private static final String BEARER = "Bearer ";

    private final SecureRandom random = new SecureRandom();
    /** The whole Authorization header that is accepted; null while no warm-up runs. */
    private volatile byte[] accepted;

    /** Makes a new secret and returns the Authorization header that carries it. Never log it. */
    public String issue() {
        byte[] secret = new byte[32];
        random.nextBytes(secret);
        String header = BEARER + Base64.getUrlEncoder().withoutPadding().encodeToString(secret);
        accepted = header.getBytes(StandardCharsets.US_ASCII);
        return header;
    }

    /** From now on the secret is refused like any unknown credential. */
    public void revoke() {
        accepted = null;
    }

    /** {@link #CALLER} if {@code authorization} is the issued header and the connection's peer is this host, or null. */
    Caller check(String authorization, HttpConnection connection) {
        byte[] expected = accepted;
        if (expected == null || authorization == null || connection == null) {
            return null;
        }
        // The TCP peer itself, not one a proxy protocol header or X-Forwarded-For names.
        if (!loopback(connection.remoteAddress(true))) {
            return null;
        }
        return MessageDigest.isEqual(expected, authorization.getBytes(StandardCharsets.US_ASCII)) ? CALLER : null;
    }

    static boolean loopback(SocketAddress peer) {
        String ip = peer == null ? null : peer.hostAddress();
        return ip != null && (ip.startsWith("127.") || ip.equals("::1") || ip.equals("0:0:0:0:0:0:0:1"));
    }
}
