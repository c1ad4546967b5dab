package io.s3broker.upload;

import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import io.s3broker.s3.S3Store;
import io.s3broker.s3.WriteTarget;
import io.vertx.core.buffer.Buffer;
import software.amazon.awssdk.services.s3.model.CompletedPart;

/**
 * An upload whose body the {@link PartAssembler} cuts into parts, each streamed through a {@link StreamedPart} into an
 * UploadPart as it arrives, with a pooled copy of what a part of unknown length holds: the reading of the client's
 * body that {@link MultipartUpload} and {@link AppendUpload} share. What a part's call is, and what happens once the
 * body is in, is theirs.
 */
abstract class PartedUpload extends Upload implements PartAssembler.Sink {

    final S3Store s3;
    final BufferClaim buffer;
    final PartAssembler parts;
    /** Chunks (the first perhaps in part) waiting until no earlier call holds the slices they would overwrite. */
    final ArrayDeque<ByteBuffer> unfed = new ArrayDeque<>();
    /** The part the client's bytes go to; null between parts. */
    StreamedPart current;
    /** Calls made and not answered (a part waiting for CreateMultipartUpload included), by the assembler's part number. */
    final Map<Integer, CompletableFuture<?>> calls = new HashMap<>();
    final List<CompletedPart> done = new ArrayList<>();

    PartedUpload(WriteTarget target, UploadSettings settings, UploadLoop loop, S3Store s3, PartBufferPool buffers,
            String owner, PartAssembler parts) {
        super(target, settings, loop);
        this.s3 = s3;
        // Counted against the caller's share of the pool.
        this.buffer = new BufferClaim(buffers, owner, loop);
        this.parts = parts;
    }

    /** Makes {@link #current} the part {@code number}, which the client's next bytes begin. */
    abstract void newPart(int number);

    /** Calls UploadPart for {@code part}, streamed from the client's chunks. */
    abstract void start(StreamedPart part);

    /** Waits for a part buffer, at most {@code broker.upload.buffer-wait}, then advances; fails the upload if none. */
    final void waitForBuffer() {
        buffer.request(settings.bufferWait(), handed -> {
            parts.copyInto(handed); // the copy of every part of unknown length
            advance();
        }, () -> fail(UploadFailure.busy(settings.bufferWait())));
    }

    /** Stops the buffer claim and the client's stream: the start of every {@link #cancel}. */
    final void cancelReading() {
        buffer.cancel();
        if (client != null) {
            client.cancel();
        }
    }

    /** Asks the client for as many chunks as the part being filled can take. */
    final void read() {
        if (ended || !unfed.isEmpty()) {
            return;
        }
        // A part of unknown length collects its first bytes before its call starts; one that streams only once full
        // collects them all (the copy holds a whole part).
        long have = current == null ? 0 : current.waitingBytes();
        long collect = current == null || streamsBeforeFull(current) ? settings.streamAfter() : Long.MAX_VALUE;
        ask(current != null && current.called() ? Math.min(current.wanted(), BATCH) : have < collect ? BATCH : 0);
    }

    @Override
    public final void onNext(Buffer chunk) {
        outstanding--;
        idle.received(chunk.length());
        if (phase != Phase.READING) {
            return;
        }
        unfed.add(chunk.getByteBuf().nioBuffer());
        feed();
        advance();
    }

    /** Feeds the chunks not fed yet, in order, as far as the copy allows; starts a part's call once it may. */
    final void feed() {
        while (!unfed.isEmpty()) {
            ByteBuffer bytes = unfed.peek();
            try {
                parts.feed(bytes, this);
            } catch (UploadFailure e) {
                fail(e);
                return;
            }
            if (bytes.hasRemaining()) {
                break;
            }
            unfed.poll();
        }
        if (current != null && !current.called() && current.waitingBytes() >= settings.streamAfter()
                && calls.size() < settings.maxPartsInFlight() && streamsBeforeFull(current)) {
            start(current);
        }
    }

    /** Whether {@code part} may start its call before it is full; else it is sent once full, or kept at the end. */
    boolean streamsBeforeFull(StreamedPart part) {
        return true;
    }

    @Override
    final boolean clientsTurn() {
        return super.clientsTurn() && unfed.isEmpty();
    }

    @Override
    public final void bytes(int part, ByteBuffer slice) {
        if (current == null || current.number() != part) {
            newPart(part);
        }
        current.offer(slice);
    }

    @Override
    public final void full(int part) {
        if (!current.called()) {
            start(current);
        }
        current.complete();
        current = null;
    }

    final void demandChanged() {
        idle.progress();
        advance();
    }
}
