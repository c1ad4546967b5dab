package io.s3broker.upload;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;

import io.s3broker.s3.AbortRetries;
import io.s3broker.s3.S3Errors;
import io.s3broker.s3.S3Failure;
import io.s3broker.s3.S3Store;
import io.s3broker.s3.WriteTarget;
import software.amazon.awssdk.core.async.AsyncRequestBody;
import software.amazon.awssdk.services.s3.model.CompletedPart;

/**
 * A body of unknown length (chunked PUT, every form) or of a known length above the multipart threshold: the
 * {@link PartAssembler} cuts it into parts, each streamed through a {@link StreamedPart} into an UploadPart as it
 * arrives; a body that ends inside a part sends that part again, shorter, from the upload's pooled copy (under the
 * next part number once its streamed call was cut), and a body that ends within a part's first bytes goes as one
 * PutObject from the copy, without a multipart upload (docs/decisions/0009-every-part-streamed.md,
 * 0019-first-bytes-from-the-copy.md). Phases: NEW, WAITING_FOR_BUFFER (unknown lengths only), READING, BODY_IN,
 * COMPLETING, DONE; on a failure CANCELLING, ABORTING, DONE.
 */
final class MultipartUpload extends PartedUpload {

    /** S3's highest part number. */
    private static final int MAX_PART_NUMBER = 10_000;

    private CompletableFuture<String> created;
    private String uploadId;
    /** The part the body ended inside, still to send from the copy; 0 if none. */
    private int lastFromCopy;
    /** Whether that part's streamed call had started, and was cut. */
    private boolean lastWasCut;
    /** S3's answers to COMPLETING and ABORTING. */
    private UploadResult stored;
    private boolean aborted;

    MultipartUpload(WriteTarget target, BodyLength length, String owner, UploadSettings settings, S3Store s3,
            PartBufferPool buffers, UploadLoop loop) {
        super(target, settings, loop, s3, buffers, owner,
                new PartAssembler(length, settings.partSize(), settings.maxSize()));
    }

    @Override
    void step() {
        switch (phase) {
            case NEW -> {
                if (client != null && parts.needsCopy()) {
                    phase = Phase.WAITING_FOR_BUFFER;
                    waitForBuffer();
                } else if (client != null) {
                    phase = Phase.READING;
                    startReading();
                }
            }
            case WAITING_FOR_BUFFER -> {
                if (buffer.held()) {
                    phase = Phase.READING;
                    startReading();
                }
            }
            case READING -> {
                if (ended && unfed.isEmpty()) {
                    phase = Phase.BODY_IN;
                    bodyIn();
                } else {
                    read();
                }
            }
            case BODY_IN -> {
                if (lastFromCopy > 0) {
                    sendLastFromCopy();
                } else if (calls.isEmpty()) {
                    phase = Phase.COMPLETING;
                    complete();
                }
            }
            case COMPLETING -> {
                if (stored != null) {
                    phase = Phase.DONE;
                    buffer.release();
                    succeed(stored);
                }
            }
            case CANCELLING -> {
                if (calls.isEmpty()) {
                    phase = Phase.ABORTING;
                    abortUpload();
                }
            }
            case ABORTING -> {
                if (aborted) {
                    phase = Phase.DONE;
                    buffer.release();
                    reportFailure();
                }
            }
        }
    }

    private void startReading() {
        idle.start();
        if (parts.sizeKnown(1)) {
            newPart(1);
        }
    }

    private void bodyIn() {
        if (!parts.endedWhole()) {
            failure = new UploadFailure(UploadFailure.Kind.BROKEN_BODY, "The body ended before its declared length");
            return;
        }
        if (current != null) {
            // The body ended inside a part of unknown length: it goes from the copy, as the last part.
            lastFromCopy = current.number();
            if (current.called()) {
                lastWasCut = true;
                current.cancel(new CancellationException("the body ended inside this part"));
            }
            current = null;
        }
    }

    private void sendLastFromCopy() {
        if (calls.containsKey(lastFromCopy)) {
            return; // its streamed attempt, cut off, has not answered yet
        }
        if (uploadId != null) {
            // A cut part's number is not written again at once: Ceph RGW 16 can lose the data of a part rewritten
            // while it removes the cut attempt (docs/decisions/0009-every-part-streamed.md). S3 allows gaps.
            int number = lastWasCut && lastFromCopy < MAX_PART_NUMBER ? lastFromCopy + 1 : lastFromCopy;
            send(number, AsyncRequestBody.fromByteBuffersUnsafe(parts.lastPart()), false);
            lastFromCopy = 0;
        } else if (created == null) {
            // The whole body fit in the first part's first bytes: one PutObject, no multipart upload.
            phase = Phase.COMPLETING;
            finish(s3.putObject(target, AsyncRequestBody.fromByteBuffersUnsafe(parts.lastPart()), false));
        }
    }

    private void complete() {
        if (created == null) {
            finish(s3.putObject(target, AsyncRequestBody.empty(), false));
            return;
        }
        List<CompletedPart> ordered = new ArrayList<>(done);
        ordered.sort(Comparator.comparing(CompletedPart::partNumber));
        finish(s3.completeMultipartUpload(target.location(), uploadId, ordered, target.scope())
                .thenCompose(completed -> completed.etag() == null || completed.etag().isEmpty()
                        ? s3.etag(target.location(), target.scope())
                        : CompletableFuture.completedFuture(completed.etag())));
    }

    private void finish(CompletableFuture<String> etag) {
        idle.stop();
        etag.whenComplete((tag, error) -> loop.execute(() -> {
            if (error != null) {
                failure = error;
            } else {
                stored = new UploadResult(target.location().bucket(), target.location().key(),
                        parts.total(), tag);
            }
            advance();
        }));
    }

    @Override
    void cancel() {
        cancelReading();
        // The SDK's own futures: cancelling them aborts the HTTP requests, so S3 keeps nothing of a streamed body.
        List.copyOf(calls.values()).forEach(call -> call.cancel(true));
        if (current != null) {
            current.cancel(failure);
            current = null;
        }
        unfed.clear();
    }

    /** Once no call is in flight: aborts the multipart upload, if one was created; S3 not knowing it is as good. */
    private void abortUpload() {
        if (uploadId == null) {
            aborted = true;
            return;
        }
        CompletableFuture<Void> abort = s3.abortMultipartUpload(target.location(), uploadId, target.scope());
        abort.whenComplete((ignored, error) -> loop.execute(() -> {
            if (error != null && !(S3Errors.unwrap(error) instanceof S3Failure gone
                    && gone.kind() == S3Failure.Kind.NO_SUCH_KEY)) {
                String id = uploadId;
                AbortRetries.afterFailure(error, target.location().toString(),
                        () -> s3.abortMultipartUpload(target.location(), id, target.scope()));
            }
            aborted = true;
            advance();
        }));
    }

    @Override
    void newPart(int number) {
        current = new StreamedPart(number, parts.declaredSize(number), loop, this::demandChanged);
        if (parts.sizeKnown(number)) {
            start(current);
        }
    }

    /** Calls UploadPart for {@code part}, once the multipart upload exists. */
    @Override
    void start(StreamedPart part) {
        part.calling();
        int number = part.number();
        parts.started(number);
        calls.put(number, new CompletableFuture<>());
        if (created == null) {
            created = s3.createMultipartUpload(target);
        }
        created.whenComplete((id, error) -> loop.execute(() -> {
            if (id != null) {
                uploadId = id;
            }
            if (error == null && failure == null && !part.cancelled()) {
                send(number, part, true);
                return;
            }
            if (error != null) {
                fail(error); // even when this part is the one the body ended inside: no upload, no last part
            }
            answered(number, null, error != null ? error : new CancellationException());
        }));
    }

    private void send(int number, AsyncRequestBody body, boolean streamed) {
        CompletableFuture<CompletedPart> call = s3.uploadPart(target.location(), uploadId, number, body, streamed,
                target.scope());
        calls.put(number, call);
        call.whenComplete((part, error) -> loop.execute(() -> answered(number, part, error)));
    }

    private void answered(int number, CompletedPart part, Throwable error) {
        calls.remove(number);
        idle.progress();
        if (failure == null && number != lastFromCopy) { // else the attempt cut off when the body ended inside it
            if (error != null) {
                fail(error);
                return;
            }
            if (part != null) {
                done.add(part);
            }
            parts.released(number);
            feed();
        }
        advance();
    }
}
