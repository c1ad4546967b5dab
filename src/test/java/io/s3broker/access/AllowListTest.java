package io.s3broker.access;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

import io.s3broker.auth.Caller;
import io.s3broker.credentials.Access;
import io.s3broker.credentials.Grant;

/**
 * Allow-list entries: a bad one stops start-up with a message naming the setting; matching is literal; a templated
 * entry is each caller's own prefix, with the caller's name encoded injectively into one key segment.
 */
class AllowListTest {

    static final Caller ALICE = new Caller("alice");

    @ParameterizedTest(name = "''{0}'' is refused")
    @ValueSource(strings = { "photos", "photos/public", "photos/pub*/", "photos/a?/", "photos/$x/", "photos/../",
            "photos/public/../private/", "photos/./", "Bad_Bucket/", "ab/", "192.168.1.1/", "photos//", "/photos/",
            "photos/a\u0000b/", "photos/\u202eevil/", "photos/\ufffd/", "photos/${caller}/", "photos/x{caller}/",
            "photos/{caller}x/", "photos/{caller}/{caller}/", "photos/{user}/", "photos/{caller", "{caller}/x/",
            "photos/a}/" })
    void aBadEntryIsRefusedNamingTheSetting(String entry) {
        IllegalArgumentException refused = assertThrows(IllegalArgumentException.class,
                () -> AllowList.parse(Access.READ, List.of("photos/ok/", entry), "broker.access.callers.\"alice\".read"));
        assertTrue(refused.getMessage().startsWith("broker.access.callers.\"alice\".read: entry"), refused.getMessage());
    }

    @Test
    void entriesMatchLiterallyMostSpecificFirst() {
        AllowList list = AllowList.parse(Access.WRITE, List.of("photos/", " photos/public/ ", "", "docs/a/b/"),
                "broker.access.write");
        assertEquals(List.of("photos/public/", "docs/a/b/", "photos/"), list.configured(), "longest prefix first");
        assertEquals(Optional.of(new Grant(Access.WRITE, "photos", "public/")), list.match(ALICE, "photos", "public/x.png"));
        assertEquals(Optional.of(new Grant(Access.WRITE, "photos", "")), list.match(ALICE, "photos", "publicity/x"));
        assertEquals(Optional.empty(), list.match(ALICE, "docs", "a/bc"));
        assertEquals(Optional.empty(), list.match(ALICE, "photo", "x"));
        assertEquals(Optional.empty(), AllowList.parse(Access.READ, List.of(), "broker.access.read")
                .match(ALICE, "photos", "x"), "an empty list allows nothing");
    }

    @Test
    void aTemplatedEntryIsEachCallersOwnPrefix() {
        AllowList list = AllowList.parse(Access.READ, List.of("photos/users/{caller}/", "photos/"), "broker.access.read");
        Caller bob = new Caller("bob");
        assertEquals(Optional.of(new Grant(Access.READ, "photos", "users/alice/")),
                list.match(ALICE, "photos", "users/alice/cat.png"));
        // Bob's key is not under Alice's entry: for Alice only the whole-bucket entry covers it.
        assertEquals(Optional.of(new Grant(Access.READ, "photos", "")), list.match(ALICE, "photos", "users/bob/cat.png"));
        assertEquals(Optional.of(new Grant(Access.READ, "photos", "users/bob/")), list.match(bob, "photos", "users/bob/x"));
        assertEquals(Optional.of(new Grant(Access.READ, "photos", "")), list.match(ALICE, "photos", "users/alicex/y"),
                "alice's entry is the segment alice, not every segment that starts with it");
        assertEquals(List.of(new Grant(Access.READ, "photos", "users/bob/"), new Grant(Access.READ, "photos", "")),
                list.grants(bob));
        assertEquals(List.of(new Grant(Access.READ, "photos", "")), list.literalGrants());
        assertEquals(List.of("photos/users/{caller}/", "photos/"), list.configured());
        AllowList only = AllowList.parse(Access.READ, List.of("photos/{caller}/"), "broker.access.read");
        assertEquals(Optional.empty(), only.match(bob, "photos", "alice/x"));
        assertEquals(Optional.empty(), only.match(ALICE, "photos", "alice"), "the prefix is alice/, not alice");
    }

    @Test
    void callerNamesOfAnyShapeBecomeDistinctSafeSegments() {
        List<String> names = List.of("auth0|123", "alice@example.com", "0f8fad5b-d9cb-469f-a165-70867728950e", "..",
                ".", "...", "a/b", "a%2Fb", "a b", "ünï", "*", "?", "${x}", "a\nb", "a\u0085b", "a\u2028b", "%41", "A",
                "a.b", "-_.@");
        Set<String> segments = new HashSet<>();
        for (String name : names) {
            String segment = Caller.keySegment(name);
            assertTrue(segments.add(segment), name + " -> " + segment + " is another name's segment");
            assertTrue(segment.matches("[A-Za-z0-9._@%-]+"), name + " -> " + segment);
            assertFalse(segment.matches("\\.+"), name + " -> " + segment + " is a dot segment");
            assertEquals(segment, new Caller(name).keySegment());
        }
        assertEquals("auth0%7C123", Caller.keySegment("auth0|123"));
        assertEquals("alice@example.com", Caller.keySegment("alice@example.com"));
        assertEquals("%2E%2E", Caller.keySegment(".."));
        assertEquals("a%2Fb", Caller.keySegment("a/b"));
        assertEquals("%2541", Caller.keySegment("%41"));
        assertEquals("%C3%BC", Caller.keySegment("ü"));
        assertNotEquals(Caller.keySegment("%41"), Caller.keySegment("A"));
    }

    @Test
    void namesThatCannotBeCallersAreSaidSo() {
        assertEquals(null, Caller.problem("x".repeat(Caller.MAX_NAME_BYTES)));
        assertTrue(Caller.problem("x".repeat(Caller.MAX_NAME_BYTES + 1)) != null);
        assertTrue(Caller.problem("ü".repeat(Caller.MAX_NAME_BYTES / 2 + 1)) != null, "bytes of UTF-8, not chars");
        assertTrue(Caller.problem("") != null);
        assertTrue(Caller.problem("  ") != null);
        assertTrue(Caller.problem("a\ud800b") != null, "a broken surrogate would encode as '?'");
        assertEquals(null, Caller.problem("\ud83d\ude00"));
    }
}
