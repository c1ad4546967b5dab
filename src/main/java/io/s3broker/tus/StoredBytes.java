package io.s3broker.tus;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import io.s3broker.s3.S3Store.Part;

/**
 * How far an upload is, from what S3 holds of it: parts placed by their number (part {@code n} starts at offset
 * {@code (n - 1) * unit}), followed from offset 0 as long as each ends where the next one's number says it starts,
 * then the tail object if it starts right there. A part that breaks the chain (a gap, a size that is no multiple of
 * the unit, one left over from an attempt cut short) and everything after it does not count, so what is reported is
 * never more than what is stored in order. The part that reaches the object's end counts only once the upload is
 * completed, so an offset equal to the length always means a finished object
 * (docs/decisions/0031-resumable-upload-tails.md). Pure: no I/O.
 *
 * @param chain the parts that count, in order: the first parts of the object when it is completed
 * @param offset the bytes stored in order: the chain's, then the tail's if it counts
 * @param resumeAt where the next bytes go: the tail's start when the tail counts (its bytes are sent again first),
 *        else {@code offset}
 */
record StoredBytes(List<Part> chain, long offset, long resumeAt) {

    /** S3's smallest part but the last. */
    static final long MIN_PART = 5L << 20;
    /** The step of part numbers: 10,000 parts (S3's most) reach 10,000 MiB. */
    static final long UNIT = 1L << 20;
    /** The longest upload whose part numbers stay within S3's 10,000. */
    static final long MAX_LENGTH = 10_000 * UNIT;

    /** {@code Tus-Max-Size}: the configured largest upload, but no more than part numbers can place. */
    static long maxLength(long configured) {
        return Math.min(configured, MAX_LENGTH);
    }

    /** @param tailAt where the tail object starts; {@code tailSize} its length (0 for none) */
    static StoredBytes of(List<Part> parts, long length, long tailAt, long tailSize) {
        Map<Integer, Part> byNumber = new HashMap<>();
        parts.forEach(part -> byNumber.put(part.partNumber(), part));
        List<Part> chain = new ArrayList<>();
        long at = 0;
        while (at < length) {
            Part part = byNumber.get((int) (at / UNIT + 1));
            if (part == null || part.size() < MIN_PART || part.size() % UNIT != 0 || at + part.size() >= length) {
                break;
            }
            chain.add(part);
            at += part.size();
        }
        if (tailSize > 0 && tailAt == at && at + tailSize < length) {
            return new StoredBytes(chain, at + tailSize, at);
        }
        return new StoredBytes(chain, at, at);
    }

    /** Whether the tail object's bytes count, and are to be sent again ahead of the next ones. */
    boolean tailCounts() {
        return offset > resumeAt;
    }
}
