package io.s3broker.upload;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

import io.s3broker.credentials.CredentialsUnavailableException;
import io.s3broker.s3.S3Errors;
import io.s3broker.s3.S3Failure;
import io.s3broker.s3.S3Store;
import software.amazon.awssdk.core.async.AsyncRequestBody;
import software.amazon.awssdk.services.s3.model.CompletedPart;

/**
 * Adds a body to a multipart upload that exists ({@link AppendRequest}), for resumable uploads: the parts stream as
 * in {@link MultipartUpload} (every part of unknown length, so every byte is also in the upload's pooled copy), each
 * numbered by its offset. Where the body ends inside a part, what it brought of that part is kept: as the last part
 * if it reaches the object's end, else as a part cut to a multiple of the unit if it has S3's 5 MiB and its streamed
 * call never started, and whatever is left as the tail object, which the next request sends first. Where it breaks
 * off on the client's side (a dropped connection, a stall, shutdown), the bytes received are kept the same way, once
 * the full parts in flight have answered, so that a resumed upload loses nothing it sent
 * (docs/decisions/0031-resumable-upload-tails.md).
 * The multipart upload itself is never aborted here. Phases: NEW, WAITING_FOR_BUFFER, READING, BODY_IN, COMPLETING
 * (the kept part and tail are written), DONE; on a failure CANCELLING, then ABORTING, which here keeps rather than
 * aborts, then DONE.
 */
final class AppendUpload extends PartedUpload {

    private final AppendRequest request;
    private final long partSize;
    /** The part whose streamed call was cut where the body ended or broke off; its bytes are kept from the copy. */
    private int cut;
    /** Writes of what the body ended inside that have not answered; -1 before they are made. */
    private int keeping = -1;
    private Throwable keepFailure;
    private boolean reachedEnd;
    private final CompletableFuture<Appended> appended = new CompletableFuture<>();

    AppendUpload(AppendRequest request, String owner, UploadSettings settings, S3Store s3, PartBufferPool buffers,
            UploadLoop loop) {
        super(request.target(), settings, loop, s3, buffers, owner, new PartAssembler(BodyLength.atLeast(-1),
                partSize(request, settings), request.end() - request.start()));
        this.request = request;
        this.partSize = partSize(request, settings);
    }

    /** The configured part size, down to a multiple of the upload's unit, so that every part starts on one. */
    private static long partSize(AppendRequest request, UploadSettings settings) {
        return settings.partSize() / request.unit() * request.unit();
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
                    waitForBuffer();
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
                    keeping = 0;
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
                        keepUnlessStored();
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
        reachedEnd = last;
        long size = parts.inPart();
        if (size == 0) {
            return;
        }
        long at = partStart(parts.part());
        ByteBuffer[] bytes = parts.lastPart();
        // After a cut streamed call, that part number is not written again at once: Ceph RGW 16 can lose the data of
        // a part rewritten while it removes the cut attempt (decision 0031's addendum). The tail holds it all.
        boolean asPart = last || cut == 0 && size >= UploadSettings.MIN_PART_SIZE;
        long whole = last ? size : asPart ? size / request.unit() * request.unit() : 0;
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

    /**
     * {@link #keep} for a body that broke off: its client may have given up on it and resumed in another request
     * meanwhile, on this broker or another, so a part S3 already holds at least as long is not replaced by less
     * (which would fail that request's completion), and then its tail is not needed either.
     */
    private void keepUnlessStored() {
        keeping = 0;
        long size = parts.inPart();
        if (size == 0) {
            return;
        }
        int number = number(partStart(parts.part()));
        kept(s3.part(target.location(), request.uploadId(), number, target.scope()), stored -> {
            if (stored.isEmpty() || stored.get().size() < size) {
                keep(false);
            }
        });
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

    /** The offset of this body's part {@code n} (numbered from 1 in the body), where S3's part number comes from. */
    private long partStart(int n) {
        return request.start() + (n - 1) * partSize;
    }

    /** S3's part number of the part that starts at {@code offset}. */
    private int number(long offset) {
        return (int) (offset / request.unit() + 1);
    }

    @Override
    void cancel() {
        cancelReading();
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

    /**
     * Not a part the body is declared to end inside, nor the object's last: its streamed call would be cut where the
     * body ends, and the same part number written again from the copy at once, which Ceph RGW 16 can answer by losing
     * the part's data (it removes the cut attempt's objects after the new one wrote them; decision 0031's addendum).
     * Kept from the copy.
     */
    @Override
    boolean streamsBeforeFull(StreamedPart part) {
        return request.bodyEnd() >= partStart(part.number() + 1);
    }

    @Override
    void newPart(int number) {
        current = new StreamedPart(number, partSize, loop, this::demandChanged);
    }

    /** Calls UploadPart for {@code part}, streamed from the client's chunks (after its first bytes, from the copy). */
    @Override
    void start(StreamedPart part) {
        part.calling();
        int n = part.number();
        parts.started(n);
        CompletableFuture<CompletedPart> call = s3.uploadPart(target.location(), request.uploadId(),
                number(partStart(n)), part, true, target.scope());
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
