package io.s3broker.auth;

import java.util.List;
import java.util.Locale;
import java.util.Optional;

import jakarta.enterprise.inject.Instance;
import jakarta.inject.Singleton;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

import io.s3broker.config.BrokerConfig;
import io.s3broker.logging.LogText;
import io.smallrye.jwt.auth.principal.JWTParser;
import io.smallrye.jwt.auth.principal.ParseException;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import io.vertx.core.http.HttpConnection;

/**
 * Tells who sent a request from its {@code Authorization: Bearer} header, in the one mode configured: an API key is
 * never parsed as a JWT, nor a JWT looked up as an API key.
 */
@Singleton
public class Authenticator {

    private static final Logger LOG = Logger.getLogger(Authenticator.class);
    private static final String BEARER = "bearer ";
    /** Longer headers are refused before any parsing. */
    static final int MAX_HEADER_LENGTH = 8192;

    private final BrokerConfig.Auth.Mode mode;
    private final ApiKeys apiKeys;
    private final Instance<JWTParser> jwt;
    private final boolean jwtKeysLocal;
    private final WarmUpPass warmUp;

    public Authenticator(BrokerConfig config, Instance<JWTParser> jwt, WarmUpPass warmUp,
            @ConfigProperty(name = "mp.jwt.verify.publickey.location") Optional<String> keyLocation,
            @ConfigProperty(name = "mp.jwt.verify.issuer") Optional<String> issuer,
            @ConfigProperty(name = "mp.jwt.verify.audiences") Optional<List<String>> audiences) {
        this.mode = config.auth().mode();
        if (mode == BrokerConfig.Auth.Mode.JWT && (issuer.filter(i -> !i.isBlank()).isEmpty()
                || audiences.filter(a -> a.stream().anyMatch(value -> !value.isBlank())).isEmpty())) {
            // Without them SmallRye accepts a token of any issuer and for any audience that the key signs: another
            // application's token from the same identity provider would be a caller.
            throw new IllegalStateException("broker.auth.mode is jwt but mp.jwt.verify.issuer (MP_JWT_VERIFY_ISSUER)"
                    + " and mp.jwt.verify.audiences (MP_JWT_VERIFY_AUDIENCES) are not both set: name the issuer and"
                    + " this broker's audience, so that tokens meant for other applications are refused");
        }
        this.apiKeys = ApiKeys.parse(config.auth().apiKeys().orElse(List.of()));
        this.jwt = jwt;
        this.warmUp = warmUp;
        // Keys at an http(s) location are fetched (and refreshed) by the parser itself, with blocking I/O.
        this.jwtKeysLocal = keyLocation.map(l -> !l.toLowerCase(Locale.ROOT).startsWith("http")).orElse(true);
        if (mode == BrokerConfig.Auth.Mode.API_KEY && apiKeys.isEmpty()) {
            throw new IllegalStateException("broker.auth.mode is api-key but broker.auth.api-keys (BROKER_AUTH_API_KEYS)"
                    + " names no key: give name:sha256hex pairs, or choose broker.auth.mode=jwt or none");
        }
        if (mode == BrokerConfig.Auth.Mode.NONE) {
            LOG.warn("broker.auth.mode=none: every request is served without authentication, as caller 'anonymous'."
                    + " Anyone who reaches this port gets what the allow-lists give.");
        }
    }

    public BrokerConfig.Auth.Mode mode() {
        return mode;
    }

    /**
     * The caller, or a failed Uni with {@link AuthenticationFailed}. Completes at once unless a JWT key must be fetched.
     * {@code connection} is the request's, for the warm-up's credential, which only a loopback peer may use.
     */
    public Uni<Caller> authenticate(String authorization, HttpConnection connection) {
        Caller internal = warmUp.check(authorization, connection);
        if (internal != null) {
            return Uni.createFrom().item(internal);
        }
        if (mode == BrokerConfig.Auth.Mode.NONE) {
            return Uni.createFrom().item(Caller.ANONYMOUS);
        }
        if (authorization == null || authorization.isBlank()) {
            return Uni.createFrom().failure(new AuthenticationFailed("Missing credential: send Authorization: Bearer <"
                    + (mode == BrokerConfig.Auth.Mode.JWT ? "token" : "API key") + ">"));
        }
        if (authorization.length() > MAX_HEADER_LENGTH || authorization.length() <= BEARER.length()
                || !authorization.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
            return Uni.createFrom().failure(new AuthenticationFailed("Invalid credential: the Authorization header"
                    + " must be 'Bearer ' and a credential"));
        }
        String credential = authorization.substring(BEARER.length()).strip();
        if (mode == BrokerConfig.Auth.Mode.API_KEY) {
            return apiKeys.match(credential)
                    .map(caller -> Uni.createFrom().item(caller))
                    .orElseGet(() -> Uni.createFrom().failure(new AuthenticationFailed("Invalid credential")));
        }
        Uni<Caller> verified = Uni.createFrom().item(() -> verifyJwt(credential));
        // A JWKS fetch blocks; it may happen on any verification (first use, refresh), so those run on a worker.
        return jwtKeysLocal ? verified : verified.runSubscriptionOn(Infrastructure.getDefaultWorkerPool());
    }

    private Caller verifyJwt(String token) {
        try {
            String subject = jwt.get().parse(token).getSubject();
            String problem = Caller.problem(subject);
            if (problem != null) {
                throw new AuthenticationFailed("Invalid credential: the token's subject " + problem);
            }
            return new Caller(subject);
        } catch (ParseException e) {
            // The parser's message says what was wrong (expired, wrong issuer...), and may quote a claim.
            LOG.debugf("JWT refused: %s", LogText.escape(e.getMessage()));
            throw new AuthenticationFailed("Invalid credential");
        }
    }
}
