package io.s3broker.upload;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The part buffers one upload holds: the one its client's bytes are copied into and those of its parts being sent.
 * At most two, so that the client fills one while S3 is sent the other; the second is taken only when the pool has
 * one free and no upload waits for its first (docs/decisions/0018-unknown-length-parts-from-memory.md). On the
 * upload's loop only.
 */
final class UploadBuffers {

    static final int MAX = 2;

    private final PartBufferPool pool;
    private final List<ByteBuffer> held = new ArrayList<>(MAX);
    private final Map<Integer, ByteBuffer> sending = new HashMap<>();

    UploadBuffers(PartBufferPool pool) {
        this.pool = pool;
    }

    /** The upload's first buffer, had from the pool (after a wait, perhaps). */
    void own(ByteBuffer buffer) {
        held.add(buffer);
    }

    /** A second buffer, if the upload has one only and the pool one to spare; else null. */
    ByteBuffer second() {
        if (held.size() >= MAX) {
            return null;
        }
        ByteBuffer buffer = pool.tryAcquire();
        if (buffer != null) {
            held.add(buffer);
        }
        return buffer;
    }

    /** {@code buffer} is the body of part {@code part} until {@link #sent}. */
    void sending(int part, ByteBuffer buffer) {
        sending.put(part, buffer);
    }

    /** Part {@code part} was answered: its buffer, or null if it had none, may be written again. */
    ByteBuffer sent(int part) {
        return sending.remove(part);
    }

    void giveBack(ByteBuffer buffer) {
        for (int i = 0; i < held.size(); i++) {
            // By identity: a ByteBuffer's equals compares contents.
            if (held.get(i) == buffer) {
                held.remove(i);
                pool.release(buffer);
                return;
            }
        }
    }

    /** Once no call can read a buffer any more. */
    void releaseAll() {
        List.copyOf(held).forEach(this::giveBack);
        sending.clear();
    }
}
