package io.s3broker.upload;

import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

import io.s3broker.credentials.CredentialsUnavailableException;
import io.s3broker.s3.S3Errors;
import io.s3broker.s3.S3Failure;
import io.s3broker.s3.S3Store;
import io.vertx.core.buffer.Buffer;
import software.amazon.awssdk.core.async.AsyncRequestBody;
import software.amazon.awssdk.services.s3.model.CompletedPart;

/**
 * Adds a body to a multipart upload that exists ({@link AppendRequest}), for resumable uploads: the parts stream as
 * in {@link MultipartUpload} (every part of unknown length, so every byte is also in the upload's pooled copy), each
 * numbered by its offset. Where the body ends inside a part, what it brought of that part is kept: as the last part
 * if it reaches the object's end, else as a part cut to a multiple of the unit if it has S3's 5 MiB, and whatever is
 * left as the tail object, which the next request sends first. Where it breaks off on the client's side (a dropped
 * connection, a stall, shutdown), the bytes received are kept the same way, once the full parts in flight have
 * answered, so that a resumed upload loses nothing it sent (docs/decisions/0031-resumable-upload-tails.md).
 * The multipart upload itself is never aborted here. Phases: NEW, WAITING_FOR_BUFFER, READING, BODY_IN, COMPLETING
 * (the kept part and tail are written), DONE; on a failure CANCELLING, then ABORTING, which here keeps rather than
 * aborts, then DONE.
 */
final class AppendUpload extends Upload implements PartAssembler.Sink {

    private final AppendRequest request;
    private final S3Store s3;
    private final BufferClaim buffer;
    private final PartAssembler parts;
    private final long partSize;
    /** Chunks (the first perhaps in part) waiting until no earlier call holds the slices they would overwrite. */
    private final ArrayDeque<ByteBuffer> unfed = new ArrayDeque<>();
    /** The part the client's bytes go to; null between parts. */
    private StreamedPart current;
    /** Calls made and not answered, by the assembler's part number. */
    private final Map<Integer, CompletableFuture<?>> calls = new HashMap<>();
    private final List<CompletedPart> done = new ArrayList<>();
    /** The part whose streamed call was cut where the body ended or broke off; its bytes are kept from the copy. */
    private int cut;
    /** Writes of what the body ended inside that have not answered; -1 before they are made. */
    private int keeping = -1;
    private Throwable keepFailure;
    private boolean reachedEnd;
    private final CompletableFuture<Appended> appended = new CompletableFuture<>();

    AppendUpload(AppendRequest request, String owner, UploadSettings settings, S3Store s3, PartBufferPool buffers,
            UploadLoop loop) {
        super(request.target(), settings, loop);
        this.request = request;
        this.s3 = s3;
        this.buffer = new BufferClaim(buffers, owner, loop);
        this.partSize = settings.partSize() / request.unit() * request.unit();
        this.parts = new PartAssembler(BodyLength.atLeast(-1), partSize, request.end() - request.start());
        // Every byte is copied anyway: sent from the copy, none is copied again by the SDK
        // (docs/decisions/0035-append-parts-from-the-copy.md).
        parts.allFromCopy();
    }

    CompletableFuture<Appended> appended() {
        return appended;
    }

    @Override
    void step() {
        switch (phase) {
            case NEW -> {
                if (client != null) {
                    phase = Phase.WAITING_FOR_BUFFER;
                    buffer.request(settings.bufferWait(), handed -> {
                        parts.copyInto(handed);
                        advance();
                    }, () -> fail(UploadFailure.busy(settings.bufferWait())));
                }
            }
            case WAITING_FOR_BUFFER -> {
                if (buffer.held()) {
                    phase = Phase.READING;
                    idle.start();
                }
            }
            case READING -> {
                if (ended && unfed.isEmpty()) {
                    phase = Phase.BODY_IN;
                    cutCurrent(new CancellationException("the body ended inside this part"));
                } else {
                    read();
                }
            }
            case BODY_IN -> {
                if (calls.isEmpty()) {
                    phase = Phase.COMPLETING;
                    idle.stop();
                    keep(parts.total() == request.end() - request.start());
                }
            }
            case COMPLETING -> {
                if (keeping == 0 && keepFailure != null) {
                    failure = keepFailure;
                } else if (keeping == 0) {
                    phase = Phase.DONE;
                    buffer.release();
                    done.sort(Comparator.comparing(CompletedPart::partNumber));
                    appended.complete(new Appended(List.copyOf(done), request.start() + parts.total(), reachedEnd));
                    succeed(new UploadResult(target.location().bucket(), target.location().key(), parts.total(), null));
                }
            }
            case CANCELLING -> {
                if (calls.isEmpty()) {
                    phase = Phase.ABORTING;
                    if (keeping < 0 && clientsFault(failure)) {
                        keep(false);
                    } else if (keeping < 0) {
                        keeping = 0;
                    }
                }
            }
            case ABORTING -> {
                if (keeping == 0) {
                    phase = Phase.DONE;
                    buffer.release();
                    appended.completeExceptionally(failure);
                    reportFailure();
                }
            }
            default -> {
            }
        }
    }

    /** Whether the upload failed on its client's side, so that what the client did send is worth keeping. */
    private static boolean clientsFault(Throwable failure) {
        return failure instanceof UploadFailure f && switch (f.kind()) {
            case BROKEN_BODY, IDLE, TOO_SLOW, SHUTTING_DOWN -> true;
            default -> false;
        };
    }

    /** Asks the client for as many chunks as the part being filled can take. */
    private void read() {
        if (ended || !unfed.isEmpty()) {
            return;
        }
        // A part collects its first bytes before its call starts.
        long have = current == null ? 0 : current.waitingBytes();
        ask(current != null && current.called() ? Math.min(current.wanted(), BATCH)
                : have < settings.streamAfter() ? BATCH : 0);
    }

    /** Cuts the streamed call of the part the body ended inside, if it started: its bytes go from the copy. */
    private void cutCurrent(Throwable reason) {
        if (current == null) {
            return;
        }
        if (current.called()) {
            cut = current.number();
            CompletableFuture<?> call = calls.get(cut);
            if (call != null) {
                call.cancel(true);
            }
        }
        current.cancel(reason);
        current = null;
    }

    /**
     * Writes the bytes of the part the body ended inside, from the copy: all of them as the object's last part, or
     * the multiples of the unit as a part when they make S3's smallest, and the rest as the tail.
     */
    private void keep(boolean last) {
        keeping = 0;
        reachedEnd = last;
        long size = parts.inPart();
        if (size == 0) {
            return;
        }
        long at = request.start() + (parts.part() - 1) * partSize;
        ByteBuffer[] bytes = parts.lastPart();
        long whole = last ? size : size >= UploadSettings.MIN_PART_SIZE ? size / request.unit() * request.unit() : 0;
        if (whole > 0) {
            kept(s3.uploadPart(target.location(), request.uploadId(), number(at),
                    AsyncRequestBody.fromByteBuffersUnsafe(range(bytes, 0, whole)), false, target.scope()), done::add);
        }
        if (whole < size) {
            kept(s3.putObject(request.tail(), AsyncRequestBody.fromByteBuffersUnsafe(range(bytes, whole, size)), false,
                    request.tailMetadata().apply(at + whole)), etag -> {
                    });
        }
    }

    /** Counts a write of kept bytes until it answers; {@code stored} takes its answer on the loop. */
    private <T> void kept(CompletableFuture<T> write, Consumer<T> stored) {
        keeping++;
        write.whenComplete((answer, error) -> loop.execute(() -> {
            if (error != null) {
                keepFailure = keepFailure == null ? error : keepFailure;
            } else {
                stored.accept(answer);
            }
            keeping--;
            advance();
        }));
    }

    /** Bytes {@code from} to {@code to} of {@code slices}, as slices of them. */
    private static ByteBuffer[] range(ByteBuffer[] slices, long from, long to) {
        List<ByteBuffer> out = new ArrayList<>();
        long at = 0;
        for (ByteBuffer slice : slices) {
            long start = Math.max(from, at);
            long end = Math.min(to, at + slice.remaining());
            if (start < end) {
                out.add(slice.slice(slice.position() + (int) (start - at), (int) (end - start)));
            }
            at += slice.remaining();
        }
        return out.toArray(ByteBuffer[]::new);
    }

    /** S3's part number of the part that starts at {@code offset}. */
    private int number(long offset) {
        return (int) (offset / request.unit() + 1);
    }

    @Override
    void cancel() {
        buffer.cancel();
        if (client != null) {
            client.cancel();
        }
        unfed.clear();
        cutCurrent(failure);
        if (!clientsFault(failure)) {
            // The SDK's own futures: cancelling them aborts the HTTP requests, so S3 keeps nothing of them.
            List.copyOf(calls.values()).forEach(call -> call.cancel(true));
        }
        // Else the full parts in flight have all their bytes: they are let finish, and kept.
    }

    @Override
    public void onError(Throwable error) {
        // The bytes kept from before come from S3 ahead of the client's: if they cannot be read, S3 failed.
        Throwable e = S3Errors.unwrap(error);
        if (e instanceof S3Failure || e instanceof CredentialsUnavailableException) {
            fail(e);
        } else {
            super.onError(error);
        }
    }

    @Override
    public void onNext(Buffer chunk) {
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
    private void feed() {
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
                && calls.size() < settings.maxPartsInFlight()) {
            start(current);
        }
    }

    @Override
    boolean clientsTurn() {
        return super.clientsTurn() && unfed.isEmpty();
    }

    @Override
    public void bytes(int part, ByteBuffer slice) {
        if (current == null || current.number() != part) {
            current = new StreamedPart(part, partSize, loop, this::demandChanged);
        }
        current.offer(slice);
    }

    @Override
    public void full(int part) {
        if (!current.called()) {
            start(current);
        }
        current.complete();
        current = null;
    }

    private void demandChanged() {
        idle.progress();
        advance();
    }

    /** Calls UploadPart for {@code part}, streamed from the client's chunks (after its first bytes, from the copy). */
    private void start(StreamedPart part) {
        part.calling();
        int n = part.number();
        parts.started(n);
        CompletableFuture<CompletedPart> call = s3.uploadPart(target.location(), request.uploadId(),
                number(request.start() + (n - 1) * partSize), part, true, target.scope());
        calls.put(n, call);
        call.whenComplete((stored, error) -> loop.execute(() -> answered(n, stored, error)));
    }

    private void answered(int n, CompletedPart stored, Throwable error) {
        calls.remove(n);
        idle.progress();
        if (n != cut) { // else its attempt was cut off where the body ended: its bytes are kept from the copy
            if (error != null) {
                fail(error);
            } else {
                done.add(stored);
                parts.released(n);
                if (failure == null) {
                    feed();
                }
            }
        }
        advance();
    }
}
