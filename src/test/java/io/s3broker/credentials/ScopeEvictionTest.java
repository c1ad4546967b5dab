package io.s3broker.credentials;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.s3broker.testing.LocalS3Sts;
import io.s3broker.testing.LocalS3StsResource;

/**
 * Scopes stay bounded, however many callers templated entries bring: beyond ScopedCredentials.MAX_SCOPES the cache
 * evicts, and an evicted scope simply assumes the role again when it is next used.
 */
@QuarkusTest
@WithTestResource(LocalS3StsResource.class)
class ScopeEvictionTest {

    static final Duration HOUR = Duration.ofHours(1);

    @Inject
    ScopedCredentials scopes;

    static Scope scope(String caller) {
        return Scope.of(new Grant(Access.READ, LocalS3Sts.bucket(), "evict/" + caller + "/"), HOUR);
    }

    @Test
    void scopesAreBoundedAndAnEvictedOneAssumesAgain() throws Exception {
        List<ScopeCredentials> tracked = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            ScopeCredentials first = scopes.forScope(scope("tracked-" + i));
            first.cache().get().get();
            tracked.add(first);
        }
        // More callers than the bound, each seen a few times: they outweigh the tracked ones, seen once.
        for (int pass = 0; pass < 3; pass++) {
            for (int i = 0; i < ScopedCredentials.MAX_SCOPES + 100; i++) {
                scopes.forScope(scope("caller-" + i));
            }
        }
        Instant deadline = Instant.now().plusSeconds(30);
        while (scopes.all().size() > ScopedCredentials.MAX_SCOPES + 1 && Instant.now().isBefore(deadline)) {
            Thread.sleep(50);
        }
        assertTrue(scopes.all().size() <= ScopedCredentials.MAX_SCOPES + 1, "scopes held: " + scopes.all().size());

        Set<Scope> held = scopes.all().stream().map(ScopeCredentials::scope).collect(Collectors.toSet());
        ScopeCredentials evicted = tracked.stream().filter(s -> !held.contains(s.scope())).findFirst()
                .orElseThrow(() -> new AssertionError("no tracked scope was evicted"));
        ScopeCredentials again = scopes.forScope(evicted.scope());
        assertNotSame(evicted, again, "a new cache for the evicted scope");
        assertTrue(again.cache().peek().isEmpty(), "it starts without credentials");
        CachedCredentials fresh = again.cache().get().get();
        assertNotEquals(evicted.cache().peek().orElseThrow().credentials().accessKeyId(),
                fresh.credentials().accessKeyId(), "a new AssumeRole");
        assertEquals(evicted.sessionName(), again.sessionName(), "the same scope, the same session name");
    }
}
