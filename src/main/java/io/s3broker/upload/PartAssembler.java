package io.s3broker.upload;

import java.nio.ByteBuffer;

/**
 * Cuts an upload's body into parts, synchronously and without I/O: it says which bytes belong to which part,
 * when a part has all its bytes, and keeps a copy of every part whose length is not known in advance, so that a
 * body ending inside it can still send that part, shorter, from the copy
 * (docs/decisions/0009-every-part-streamed.md). Event-loop only; not thread-safe.
 */
final class PartAssembler {

    /** Where the bytes go. */
    interface Sink {
        /** The next bytes of part {@code part}: a slice of the client's chunk, not a copy. */
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

    /**
     * @param length what is known of the body's length
     * @param single whether a body of known length goes as one part (one PutObject)
     */
    PartAssembler(BodyLength length, boolean single, long partSize, long maxSize) {
        this.exact = length.exact();
        this.partSize = partSize;
        this.maxSize = maxSize;
        if (exact >= 0) {
            firstSize = single ? exact : Math.min(partSize, exact);
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

    /**
     * Passes on {@code chunk}, split at part boundaries.
     *
     * @throws UploadFailure of kind TOO_LARGE when the body passes the maximum size; nothing of the chunk is passed
     */
    void feed(ByteBuffer chunk, Sink sink) {
        if (total + chunk.remaining() > maxSize) {
            throw UploadFailure.tooLarge(maxSize);
        }
        total += chunk.remaining();
        while (chunk.hasRemaining()) {
            int n = (int) Math.min(chunk.remaining(), declaredSize(part) - inPart);
            ByteBuffer slice = chunk.slice();
            slice.limit(n);
            chunk.position(chunk.position() + n);
            if (!sizeKnown(part)) {
                copy.put(slice.duplicate());
            }
            inPart += n;
            sink.bytes(part, slice);
            if (inPart == declaredSize(part)) {
                int full = part++;
                inPart = 0;
                if (copy != null) {
                    copy.clear();
                }
                sink.full(full);
            }
        }
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

    /** The copy of {@link #part()}'s bytes, to send as the last part once the body ended inside it. */
    ByteBuffer lastPart() {
        ByteBuffer last = copy.duplicate();
        last.flip();
        return last;
    }
}
