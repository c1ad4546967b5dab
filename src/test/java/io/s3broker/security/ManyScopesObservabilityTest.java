package io.s3broker.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.s3broker.config.BrokerConfig;
import io.s3broker.credentials.Access;
import io.s3broker.credentials.CachedCredentials;
import io.s3broker.credentials.Grant;
import io.s3broker.credentials.Scope;
import io.s3broker.credentials.ScopeCredentials;
import io.s3broker.credentials.ScopedCredentials;
import io.s3broker.testing.LocalS3Sts;
import io.s3broker.testing.LocalS3StsResource;
import io.s3broker.testing.TestAuth;

/**
 * Readiness and the expiry metric stay meaningful with many scopes: after requests in several scopes of
 * several callers, and a vended set of 15-minute credentials among hour-long ones, {@code broker_credentials_scopes}
 * is the number of scopes that hold credentials, {@code broker_credentials_expiry_seconds} is the soonest expiry of
 * them all (not the latest, not the readiness probe's alone), readiness is UP with the same scope count, and asking
 * readiness again costs no AssumeRole.
 */
@QuarkusTest
@TestProfile(SecurityProfile.class)
@WithTestResource(LocalS3StsResource.class)
class ManyScopesObservabilityTest {

    @Inject
    ScopedCredentials scopes;

    @Inject
    BrokerConfig config;

    static RawHttp.Answer send(String method, String path, String query, String callerKey) {
        return RawHttp.send(method + " " + path + (query == null ? "" : "?" + query) + " HTTP/1.1\r\nAuthorization: Bearer "
                + callerKey + "\r\n", method.equals("POST") ? new byte[0] : null);
    }

    static double gauge(String metrics, String name) {
        Matcher matcher = Pattern.compile("(?m)^" + name + " ([-0-9.E+]+)$").matcher(metrics);
        assertTrue(matcher.find(), name + " in:\n" + metrics);
        return Double.parseDouble(matcher.group(1));
    }

    String sessionName(Access access, String bucket, String prefix) {
        return Scope.of(new Grant(access, bucket, prefix), config.roleSessionDuration()).sessionName(config.roleSessionName());
    }

    @Test
    void scopeCountAndSoonestExpiryCoverEveryScopeAndReadinessStaysUp() {
        String b = LocalS3Sts.bucket();
        String run = UUID.randomUUID().toString();
        RawHttp.Answer ready = RawHttp.sendManagement("GET /q/health/ready HTTP/1.1\r\n");
        assertEquals(200, ready.status(), ready.toString());

        // Requests in six scopes of three callers, and credentials vended to one of them (a 15-minute session).
        List<RawHttp.Answer> answers = List.of(
                send("GET", "/item", "bucket=" + b + "&key=scopes/" + run + "&check=false", TestAuth.KEY),
                send("GET", "/item", "bucket=" + b + "&key=narrow/read/" + run + "&check=false", Callers.NARROW_KEY),
                send("GET", "/item", "bucket=" + b + "&key=narrow/shared/" + run + "&check=false", Callers.NARROW_KEY),
                send("GET", "/item/upload-url", "bucket=" + b + "&key=narrow/write/" + run + "&size=1", Callers.NARROW_KEY),
                send("GET", "/item/upload-url", "bucket=" + b + "&key=narrow/writer/" + run + "&size=1", SecurityProfile.WRITER_KEY),
                send("GET", "/item/upload-url", "bucket=" + b + "&key=scopes/" + run + "&size=1", TestAuth.KEY),
                send("POST", "/credentials", null, Callers.NARROW_KEY));
        answers.forEach(answer -> assertEquals(200, answer.status(), answer.toString()));
        Instant vendedExpiry = Instant.parse(answers.get(answers.size() - 1).json().path("expiration").asText());

        Instant scraped = Instant.now();
        String metrics = RawHttp.sendManagement("GET /q/metrics HTTP/1.1\r\n").body();
        double scopeCount = gauge(metrics, "broker_credentials_scopes");
        double expirySeconds = gauge(metrics, "broker_credentials_expiry_seconds");

        // What the broker holds: every scope it created, each with credentials.
        List<ScopeCredentials> all = List.copyOf(scopes.all());
        List<CachedCredentials> held = all.stream().flatMap(scope -> scope.cache().peek().stream()).toList();
        Set<String> holding = all.stream().filter(scope -> scope.cache().peek().isPresent())
                .map(ScopeCredentials::sessionName).collect(Collectors.toSet());
        Set<String> used = Set.of(sessionName(Access.READ, b, ""), sessionName(Access.READ, b, "narrow/read/"),
                sessionName(Access.READ, b, "narrow/shared/"), sessionName(Access.WRITE, b, "narrow/write/"),
                sessionName(Access.WRITE, b, "narrow/writer/"), sessionName(Access.WRITE, b, ""),
                scopes.probe().sessionName());
        assertTrue(holding.containsAll(used), "the scopes used hold credentials: " + holding);
        assertTrue(holding.stream().anyMatch(name -> name.contains(".vend." + Callers.NARROW + "-")), holding.toString());
        assertEquals(held.size(), (int) scopeCount, "broker_credentials_scopes counts the scopes holding credentials");
        assertEquals(all.size(), held.size(), "no scope without credentials: " + all);
        assertTrue(scopeCount >= used.size() + 1, "the six scopes used, the vended one and the probe: " + scopeCount);

        // The soonest expiry of them all: the vended 15-minute set, well before the probe's and the latest hour-long one
        // (hour-long sets are refreshed once they have less than 41 minutes left: 2400 s presigned URLs plus a minute).
        Instant soonest = held.stream().map(CachedCredentials::expiresAt).min(Comparator.naturalOrder()).orElseThrow();
        Instant latest = held.stream().map(CachedCredentials::expiresAt).max(Comparator.naturalOrder()).orElseThrow();
        Instant probe = scopes.probe().cache().peek().orElseThrow().expiresAt();
        assertTrue(!soonest.isAfter(vendedExpiry), soonest + " vs the vended " + vendedExpiry);
        assertTrue(Duration.between(soonest, probe).toMinutes() >= 20, "probe " + probe + ", soonest " + soonest);
        assertTrue(Duration.between(soonest, latest).toMinutes() >= 20, "latest " + latest + ", soonest " + soonest);
        Instant fromMetric = scraped.plusMillis(Math.round(expirySeconds * 1000));
        assertTrue(Duration.between(soonest, fromMetric).abs().toMillis() <= 3000,
                "broker_credentials_expiry_seconds " + expirySeconds + " says " + fromMetric + ", the soonest is " + soonest
                        + " (latest " + latest + ", probe " + probe + ")");
        assertTrue(expirySeconds > 0 && expirySeconds <= 900, "seconds: " + expirySeconds);

        // Readiness: UP, reporting the same scopes, and asking again makes no AssumeRole whatever the number of scopes.
        long assumeRoles = Upstream.assumeRolesSettled();
        for (int i = 0; i < 3; i++) {
            RawHttp.Answer again = RawHttp.sendManagement("GET /q/health/ready HTTP/1.1\r\n");
            assertEquals(200, again.status(), again.toString());
            assertEquals("UP", again.json().path("status").asText(), again.toString());
            JsonNode check = null;
            for (JsonNode each : again.json().path("checks")) {
                if (each.path("name").asText().equals("sts-credentials")) {
                    check = each;
                }
            }
            assertTrue(check != null, again.toString());
            assertEquals("UP", check.path("status").asText(), again.toString());
            assertEquals((int) scopeCount, check.path("data").path("scopes").asInt(), again.toString());
            assertEquals(scopes.probe().cache().peek().orElseThrow().expiresAt().toString(),
                    check.path("data").path("expiresAt").asText(), "the probe's own credentials");
        }
        assertEquals(assumeRoles, Upstream.assumeRolesSettled(), "readiness makes no AssumeRole once the probe holds credentials");
    }
}
