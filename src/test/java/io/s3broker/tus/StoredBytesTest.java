package io.s3broker.tus;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.List;

import org.junit.jupiter.api.Test;

import io.s3broker.s3.S3Store.Part;

/** How far an upload is, from the parts S3 lists and the tail: never more than what is stored in order. */
class StoredBytesTest {

    static final long MIB = StoredBytes.UNIT;
    static final long LENGTH = 100 * MIB + 7;

    /** A part that starts at {@code at} MiB, {@code size} bytes long. */
    static Part part(long atMib, long size) {
        return new Part((int) atMib + 1, "\"etag-" + atMib + "\"", size, Instant.EPOCH);
    }

    @Test
    void partsPlacedByTheirNumbersCountInOrderThenTheTailThatStartsWhereTheyEnd() {
        StoredBytes stored = StoredBytes.of(List.of(part(0, 16 * MIB), part(16, 6 * MIB)), LENGTH, 22 * MIB, 1234);
        assertEquals(22 * MIB + 1234, stored.offset());
        assertEquals(22 * MIB, stored.resumeAt());
        assertTrue(stored.tailCounts());
        assertEquals(2, stored.chain().size());
    }

    @Test
    void theLargestUploadIsWhatTenThousandPartNumbersOfAMebibyteCanPlace() {
        assertEquals(40 * MIB, StoredBytes.maxLength(40 * MIB));
        assertEquals(10_000 * MIB, StoredBytes.maxLength(5L << 40), "a max-size of 5 TiB");
        assertEquals(10_000L, (StoredBytes.maxLength(Long.MAX_VALUE) - 1) / MIB + 1, "the last byte's part number");
    }

    @Test
    void aTailThatStartsElsewhereDoesNotCount() {
        // Kept before the part at 16 MiB was stored: its bytes are in that part now.
        StoredBytes stale = StoredBytes.of(List.of(part(0, 16 * MIB), part(16, 16 * MIB)), LENGTH, 16 * MIB, 4000);
        assertEquals(32 * MIB, stale.offset());
        assertFalse(stale.tailCounts());
        // Ahead of a gap: never counted.
        assertEquals(16 * MIB, StoredBytes.of(List.of(part(0, 16 * MIB)), LENGTH, 40 * MIB, 4000).offset());
    }

    @Test
    void aGapEndsTheChainWhateverComesAfterIt() {
        StoredBytes gap = StoredBytes.of(List.of(part(0, 16 * MIB), part(32, 16 * MIB), part(48, 16 * MIB)), LENGTH, 0, 0);
        assertEquals(16 * MIB, gap.offset());
        assertEquals(1, gap.chain().size());
    }

    @Test
    void aPartThatDoesNotLineUpEndsTheChain() {
        // Not a multiple of the unit: the part after it would start where no part number points.
        assertEquals(16 * MIB, StoredBytes.of(List.of(part(0, 16 * MIB), part(16, 6 * MIB + 1)), LENGTH, 0, 0).offset());
        // Under S3's smallest part: it could not be completed.
        assertEquals(0, StoredBytes.of(List.of(part(0, 4 * MIB), part(4, 16 * MIB)), LENGTH, 0, 0).offset());
    }

    @Test
    void thePartThatReachesTheEndCountsOnlyOnceTheUploadIsCompleted() {
        long length = 32 * MIB;
        StoredBytes all = StoredBytes.of(List.of(part(0, 16 * MIB), part(16, 16 * MIB)), length, 16 * MIB, 10);
        assertEquals(16 * MIB + 10, all.offset(), "the last part is sent again, after the tail");
        StoredBytes lastShort = StoredBytes.of(List.of(part(0, 16 * MIB), part(16, 7)), 16 * MIB + 7, 16 * MIB, 0);
        assertEquals(16 * MIB, lastShort.offset());
        // A tail that would reach the end does not count either: an offset equal to the length means finished.
        assertEquals(16 * MIB, StoredBytes.of(List.of(part(0, 16 * MIB)), 16 * MIB + 7, 16 * MIB, 7).offset());
    }

    @Test
    void nothingStoredIsOffsetZero() {
        StoredBytes none = StoredBytes.of(List.of(), LENGTH, 0, 0);
        assertEquals(0, none.offset());
        assertEquals(List.of(), none.chain());
        assertEquals(99, StoredBytes.of(List.of(), LENGTH, 0, 99).offset());
    }
}
