package io.s3broker.upload.form;

import java.util.ArrayList;
import java.util.List;

import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.subscription.BackPressureStrategy;
import io.smallrye.mutiny.subscription.MultiEmitter;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.streams.ReadStream;

/**
 * The bytes of one form file part as a stream with backpressure: the request is paused whenever the
 * subscriber has no demand left, and resumed when it asks for more. The stream completes only once the whole form
 * has ended validly, so that a complete stream is a valid upload; a part after the file, or a form that breaks off
 * after it, fails it. Used on the request's event loop only.
 */
public final class FilePart {

    private final ReadStream<Buffer> request;
    private final long leastSize;
    /** What arrived before anyone subscribed: at most what one network read decoded to. */
    private final List<Buffer> early = new ArrayList<>();
    private MultiEmitter<? super Buffer> emitter;
    private boolean ended;
    private Throwable failure;

    /** @param leastSize the fewest bytes the part can have in a form the broker takes, -1 if unknown */
    FilePart(ReadStream<Buffer> request, long leastSize) {
        this.request = request;
        this.leastSize = leastSize;
        // Nobody wants the bytes yet: the upload subscribes once credentials and a client are at hand.
        request.pause();
    }

    public long leastSize() {
        return leastSize;
    }

    public Multi<Buffer> stream() {
        return Multi.createFrom().<Buffer>emitter(subscriber -> {
            emitter = subscriber;
            subscriber.onRequest(n -> request.resume());
            early.forEach(subscriber::emit);
            early.clear();
            if (failure != null) {
                subscriber.fail(failure);
            } else if (ended) {
                subscriber.complete();
            } else if (subscriber.requested() > 0) {
                // Demand that came before onRequest was registered.
                request.resume();
            }
        }, BackPressureStrategy.BUFFER);
    }

    void data(Buffer chunk) {
        if (emitter == null) {
            early.add(chunk);
            request.pause();
            return;
        }
        emitter.emit(chunk);
        if (emitter.requested() <= 0) {
            request.pause();
        }
    }

    /** The part's content is over: the rest of the form (its closing boundary, perhaps more parts) must be read. */
    void contentEnded() {
        request.resume();
    }

    /** The form ended validly after this part. */
    void end() {
        ended = true;
        if (emitter != null) {
            emitter.complete();
        }
    }

    void fail(Throwable error) {
        failure = error;
        if (emitter != null) {
            emitter.fail(error);
        }
    }
}
