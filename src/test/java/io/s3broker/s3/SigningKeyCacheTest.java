package io.s3broker.s3;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import software.amazon.awssdk.auth.credentials.AwsSessionCredentials;

/**
 * Signing keys are cached per credentials and region, so that many scopes, each with credentials of its
 * own, do not make signing slower: N credentials in M regions derive N*M keys once each, signing again with known
 * credentials derives none, and the cache stays bounded however many credentials pass through it. What is signed
 * with a cached key is what a fresh signer signs.
 */
class SigningKeyCacheTest {

    private static final Instant NOW = Instant.parse("2026-12-01T10:15:30Z");
    private static final Duration LIFETIME = Duration.ofMinutes(10);
    private static final List<String> REGIONS = List.of("us-east-1", "eu-west-1", "eu-west-3", "ap-southeast-2");
    private static final int SCOPES = 25;

    private final SigV4Signer signer = new SigV4Signer();

    static AwsSessionCredentials credentials(int i) {
        return AwsSessionCredentials.create(String.format("ASIASCOPE%011d", i), "secret/" + i + "+K7MDENG/bPxRfiCY",
                "token+/=" + i + "x".repeat(400));
    }

    static SigV4Signer.Target target(String region, String key) {
        String host = "s3." + region + ".amazonaws.com";
        return new SigV4Signer.Target("https://" + host + "/bucket/" + key, "/bucket/" + key, host);
    }

    String presign(SigV4Signer with, AwsSessionCredentials credentials, String region, String key, Instant now) {
        return with.presign("GET", target(region, key), Map.of(), region, credentials, LIFETIME, now);
    }

    @Test
    void derivesOneKeyPerCredentialsAndRegionAndNoneForKnownOnes() {
        List<AwsSessionCredentials> scopes = new ArrayList<>();
        for (int i = 0; i < SCOPES; i++) {
            scopes.add(credentials(i));
        }
        for (AwsSessionCredentials credentials : scopes) {
            for (String region : REGIONS) {
                presign(signer, credentials, region, "first", NOW);
            }
        }
        assertEquals(SCOPES * REGIONS.size(), signer.derivations(), "one derivation per credentials and region");
        assertEquals(SCOPES * REGIONS.size(), signer.cachedKeys(), "every key kept");

        // Again, later the same day, with other objects and methods, in another order: nothing new to derive.
        for (int round = 0; round < 3; round++) {
            for (String region : REGIONS) {
                for (AwsSessionCredentials credentials : scopes) {
                    Instant later = NOW.plusSeconds(600L * round + 7);
                    presign(signer, credentials, region, "again-" + round, later);
                    signer.presign("PUT", target(region, "put-" + round), Map.of("content-type", "text/plain"), region,
                            credentials, LIFETIME, later);
                    signer.authorize("HEAD", target(region, "head-" + round), region, credentials, later);
                }
            }
        }
        assertEquals(SCOPES * REGIONS.size(), signer.derivations(), "known credentials derive nothing new");
    }

    @Test
    void aCachedKeySignsWhatAFreshSignerSigns() {
        AwsSessionCredentials credentials = credentials(1);
        presign(signer, credentials, "eu-west-1", "warm", NOW);
        long derived = signer.derivations();
        String cached = presign(signer, credentials, "eu-west-1", "photo.png", NOW.plusSeconds(5));
        assertEquals(derived, signer.derivations(), "signed with the cached key");
        assertEquals(presign(new SigV4Signer(), credentials, "eu-west-1", "photo.png", NOW.plusSeconds(5)), cached);
        // Another region of the same credentials has a key of its own, not the cached one.
        String otherRegion = presign(signer, credentials, "us-east-1", "photo.png", NOW.plusSeconds(5));
        assertEquals(derived + 1, signer.derivations());
        assertEquals(presign(new SigV4Signer(), credentials, "us-east-1", "photo.png", NOW.plusSeconds(5)), otherRegion);
    }

    @Test
    void aNewDayOrNewCredentialsOfAScopeGetANewKey() {
        AwsSessionCredentials first = credentials(7);
        presign(signer, first, "eu-west-1", "k", NOW);
        assertEquals(1, signer.derivations());

        // The key signs one day: the next day's signature needs the next day's key.
        Instant tomorrow = NOW.plus(Duration.ofDays(1));
        assertEquals(presign(new SigV4Signer(), first, "eu-west-1", "k", tomorrow),
                presign(signer, first, "eu-west-1", "k", tomorrow));
        assertEquals(2, signer.derivations());

        // The scope's refreshed credentials; and a set that reuses the key id with another secret (never the old key).
        AwsSessionCredentials refreshed = credentials(8);
        presign(signer, refreshed, "eu-west-1", "k", tomorrow);
        assertEquals(3, signer.derivations());
        AwsSessionCredentials sameIdOtherSecret = AwsSessionCredentials.create(first.accessKeyId(), "another-secret",
                first.sessionToken());
        String signed = presign(signer, sameIdOtherSecret, "eu-west-1", "k", tomorrow);
        assertEquals(4, signer.derivations());
        assertEquals(presign(new SigV4Signer(), sameIdOtherSecret, "eu-west-1", "k", tomorrow), signed);
        assertNotEquals(presign(new SigV4Signer(), first, "eu-west-1", "k", tomorrow), signed);
    }

    @Test
    void theCacheIsBounded() {
        int many = SigV4Signer.MAX_KEYS + 1_500;
        for (int i = 0; i < many; i++) {
            presign(signer, credentials(i), "eu-west-1", "k", NOW);
        }
        assertEquals(many, signer.derivations());
        long kept = signer.cachedKeys();
        assertTrue(kept <= SigV4Signer.MAX_KEYS, "keys kept: " + kept);
        assertTrue(kept > 0, "keys kept: " + kept);
    }
}
