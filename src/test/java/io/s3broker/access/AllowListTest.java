package io.s3broker.access;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Optional;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

import io.s3broker.credentials.Access;
import io.s3broker.credentials.Grant;

/** Allow-list entries: a bad one stops start-up with a message naming the setting; matching is literal. */
class AllowListTest {

    @ParameterizedTest(name = "''{0}'' is refused")
    @ValueSource(strings = { "photos", "photos/public", "photos/pub*/", "photos/a?/", "photos/$x/", "photos/../",
            "photos/public/../private/", "photos/./", "Bad_Bucket/", "ab/", "192.168.1.1/", "photos//", "/photos/",
            "photos/a\u0000b/", "photos/\u202eevil/", "photos/\ufffd/" })
    void aBadEntryIsRefusedNamingTheSetting(String entry) {
        IllegalArgumentException refused = assertThrows(IllegalArgumentException.class,
                () -> AllowList.parse(Access.READ, List.of("photos/ok/", entry), "broker.access.callers.\"alice\".read"));
        assertTrue(refused.getMessage().startsWith("broker.access.callers.\"alice\".read: entry"), refused.getMessage());
    }

    @Test
    void entriesMatchLiterallyMostSpecificFirst() {
        AllowList list = AllowList.parse(Access.WRITE, List.of("photos/", " photos/public/ ", "", "docs/a/b/"),
                "broker.access.write");
        assertEquals(List.of("photos/public/", "docs/a/b/", "photos/"), list.entries(), "longest prefix first");
        assertEquals(Optional.of(new Grant(Access.WRITE, "photos", "public/")), list.match("photos", "public/x.png"));
        assertEquals(Optional.of(new Grant(Access.WRITE, "photos", "")), list.match("photos", "publicity/x"));
        assertEquals(Optional.empty(), list.match("docs", "a/bc"));
        assertEquals(Optional.empty(), list.match("photo", "x"));
        assertEquals(Optional.empty(), AllowList.parse(Access.READ, List.of(), "broker.access.read").match("photos", "x"),
                "an empty list allows nothing");
    }
}
