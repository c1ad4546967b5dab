package io.s3broker.upload;

import java.util.concurrent.CompletableFuture;

import io.s3broker.s3.S3Store;
import io.s3broker.s3.WriteTarget;
import io.vertx.core.buffer.Buffer;

/**
 * A body of known length up to {@code broker.upload.multipart-threshold}: one PutObject whose body is the client's
 * stream, each chunk passed to the SDK when it asks for one, so that a slow S3 pauses the client. No part buffer, no
 * copy, nothing to abort: S3 keeps nothing of a PutObject cut short. Phases: NEW, READING, BODY_IN (S3's answer
 * awaited), DONE; or CANCELLING (the call cancelled, its answer awaited), DONE.
 */
final class SinglePut extends Upload {

    private final S3Store s3;
    private final long length;
    private final StreamedPart body;
    private CompletableFuture<String> call;
    private long received;
    /** S3's answer: the ETag, or (as {@link #failure}) why not. */
    private boolean answered;
    private String etag;

    SinglePut(WriteTarget target, long length, UploadSettings settings, S3Store s3, UploadLoop loop) {
        super(target, settings, loop);
        this.s3 = s3;
        this.length = length;
        this.body = new StreamedPart(1, length, loop, this::demandChanged);
    }

    @Override
    void step() {
        switch (phase) {
            case NEW -> {
                if (client != null) {
                    phase = Phase.READING;
                    put();
                }
            }
            case READING -> {
                if (!ended) {
                    // Once every byte is in, one more read brings the body's end, which the SDK never asks for.
                    ask(received == length ? 1 : Math.min(body.wanted(), BATCH));
                } else if (received < length) {
                    failure = new UploadFailure(UploadFailure.Kind.BROKEN_BODY, "The body ended before its declared length");
                } else {
                    phase = Phase.BODY_IN;
                }
            }
            case BODY_IN -> {
                if (answered) {
                    phase = Phase.DONE;
                    idle.stop();
                    succeed(new UploadResult(target.location().bucket(), target.location().key(), length, etag));
                }
            }
            case CANCELLING -> {
                if (call == null || answered) {
                    phase = Phase.DONE;
                    reportFailure();
                }
            }
            default -> {
            }
        }
    }

    private void put() {
        idle.start();
        body.calling();
        call = s3.putObject(target, body, true);
        call.whenComplete((tag, error) -> loop.execute(() -> answered(tag, error)));
        if (length == 0) {
            body.complete();
        }
    }

    @Override
    void cancel() {
        if (client != null) {
            client.cancel();
        }
        // The SDK's own future: cancelling it aborts the HTTP request, so S3 keeps nothing of the body.
        if (call != null) {
            call.cancel(true);
        }
        body.cancel(failure);
    }

    @Override
    public void onNext(Buffer chunk) {
        outstanding--;
        int size = chunk.length();
        idle.received(size);
        if (phase != Phase.READING) {
            return;
        }
        received += size;
        if (received > length) {
            fail(new UploadFailure(UploadFailure.Kind.BROKEN_BODY, "The body is longer than its declared length"));
            return;
        }
        body.offer(chunk.getByteBuf().nioBuffer());
        if (received == length) {
            body.complete();
        }
        advance();
    }

    private void demandChanged() {
        idle.progress();
        advance();
    }

    private void answered(String tag, Throwable error) {
        answered = true;
        idle.progress();
        if (error == null) {
            etag = tag;
        } else if (failure == null) {
            failure = error;
        }
        advance();
    }
}
