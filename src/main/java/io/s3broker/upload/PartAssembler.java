package io.s3broker.upload;

import java.nio.ByteBuffer;

/**
 * Cuts an upload's body into parts, synchronously and without I/O: it says which bytes belong to which part,
 * when a part has all its bytes, and keeps a copy of every part whose length is not known in advance, so that a
 * body ending inside it can still send that part, shorter, from the copy
 * (docs/decisions/0009-every-part-streamed.md). Event-loop only; not thread-safe.
 * <p>
 * The copy is a ring. Until a part's call starts, its bytes are handed on as slices of the copy (not of the client's
 * chunks, which can then go), so the next part starts in the ring just after them: those slices belong to the SDK
 * until the part's call has answered, and the next part may write over them only after {@link #released}
 * (docs/decisions/0019-first-bytes-from-the-copy.md).
 */
final class PartAssembler {

    /** Where the bytes go. */
    interface Sink {
        /** The next bytes of part {@code part}: a slice of the client's chunk or of the copy. */
        void bytes(int part, ByteBuffer slice);

        /** Part {@code part} has all the bytes declared for it. */
        void full(int part);
    }

    /** S3's largest part. */
    static final long MAX_PART_SIZE = 5L << 30;

    private final long exact;
    private final long firstSize;
    private final long partSize;
    private final long maxSize;
    private final boolean firstKnown;
    private ByteBuffer copy;
    private int part = 1;
    private long inPart;
    private long total;
    /** Where the current part starts in the copy. */
    private int start;
    /** Whether the current part's call has started: its bytes then go on as slices of the client's chunks. */
    private boolean streaming;
    /** Bytes of the current part handed on as slices of the copy. */
    private int handed;
    /** The part whose call may still hold slices of the copy, from {@code guardFrom} on; 0 if none. */
    private int guarded;
    private int guardFrom;

    /** @param length what is known of the body's length */
    PartAssembler(BodyLength length, long partSize, long maxSize) {
        this.exact = length.exact();
        this.partSize = partSize;
        this.maxSize = maxSize;
        if (exact >= 0) {
            firstSize = Math.min(partSize, exact);
            firstKnown = true;
        } else if (length.least() >= partSize) {
            // A form with a Content-Length: all but its framing goes as one part, as cheap to store as one object.
            firstSize = Math.min(length.least(), MAX_PART_SIZE);
            firstKnown = true;
        } else {
            firstSize = partSize;
            firstKnown = false;
        }
    }

    /** Whether some part's length is unknown until the body ends, so that a copy is needed. */
    boolean needsCopy() {
        return exact < 0;
    }

    /** The buffer the parts of unknown length are copied into, at least one part large. */
    void copyInto(ByteBuffer buffer) {
        if (buffer.capacity() < partSize) {
            throw new IllegalArgumentException("a copy smaller than a part");
        }
        this.copy = buffer;
    }

    /** The length to declare for part {@code n}: its exact length when known, else the part size. */
    long declaredSize(int n) {
        long size = n == 1 ? firstSize : partSize;
        if (exact >= 0) {
            long offset = n == 1 ? 0 : firstSize + (n - 2) * partSize;
            size = Math.min(size, exact - offset);
        }
        return size;
    }

    /** Whether part {@code n} is sure to get {@link #declaredSize} bytes if the body is valid. */
    boolean sizeKnown(int n) {
        return exact >= 0 || n == 1 && firstKnown;
    }

    /** The current part's call has started: the rest of its bytes go on as slices of the client's chunks. */
    void started(int n) {
        if (n == part) {
            streaming = true;
        }
    }

    /** Part {@code n}'s call has answered: the SDK holds no slice of the copy of it any more. */
    void released(int n) {
        if (n == guarded) {
            guarded = 0;
        }
    }

    /**
     * Passes on as much of {@code chunk} as may go now, split at part boundaries; what is left in it waits until
     * an earlier part's call has answered ({@link #released}) and must then be fed again.
     *
     * @throws UploadFailure of kind TOO_LARGE when the body passes the maximum size; nothing of the chunk is passed
     */
    void feed(ByteBuffer chunk, Sink sink) {
        if (total + chunk.remaining() > maxSize) {
            throw UploadFailure.tooLarge(maxSize);
        }
        while (chunk.hasRemaining()) {
            boolean copied = !sizeKnown(part);
            int n = (int) Math.min(chunk.remaining(), declaredSize(part) - inPart);
            if (copied) {
                // The ring's end, and the slices an earlier part's call may still be sending, stop a write.
                int at = (int) ((start + inPart) % copy.capacity());
                n = Math.min(n, Math.min(copy.capacity() - at, room()));
                if (n == 0) {
                    return;
                }
            }
            ByteBuffer slice = chunk.slice();
            slice.limit(n);
            chunk.position(chunk.position() + n);
            total += n;
            if (copied) {
                int at = (int) ((start + inPart) % copy.capacity());
                copy.put(at, slice, 0, n);
                if (!streaming) {
                    slice = copy.slice(at, n);
                    handed += n;
                }
            }
            inPart += n;
            sink.bytes(part, slice);
            if (inPart == declaredSize(part)) {
                nextPart(sink);
            }
        }
    }

    private void nextPart(Sink sink) {
        int full = part++;
        if (handed > 0) {
            guarded = full;
            guardFrom = start;
            start = (start + handed) % copy.capacity();
        }
        inPart = 0;
        handed = 0;
        streaming = false;
        sink.full(full);
    }

    /** Bytes the current part may still write before it reaches slices an unanswered call may be sending. */
    private int room() {
        if (guarded == 0) {
            return Integer.MAX_VALUE;
        }
        long ahead = Math.floorMod((long) guardFrom - start, copy.capacity());
        return (int) Math.max(0, ahead - inPart);
    }

    /** The part the next byte would go to. */
    int part() {
        return part;
    }

    /** Bytes of {@link #part()} so far. */
    long inPart() {
        return inPart;
    }

    long total() {
        return total;
    }

    /** Whether the body, now ended, has all the bytes it promised (its Content-Length, or a form's least length). */
    boolean endedWhole() {
        return exact >= 0 ? total == exact : part > 1 || !firstKnown;
    }

    /** The copy of {@link #part()}'s bytes, to send as the last part once the body ended inside it: one or two slices. */
    ByteBuffer[] lastPart() {
        int length = (int) inPart;
        int first = Math.min(length, copy.capacity() - start);
        if (first == length) {
            return new ByteBuffer[] {copy.slice(start, length)};
        }
        return new ByteBuffer[] {copy.slice(start, first), copy.slice(0, length - first)};
    }
}
