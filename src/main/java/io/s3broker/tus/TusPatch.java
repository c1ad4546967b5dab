package io.s3broker.tus;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import jakarta.enterprise.context.ApplicationScoped;

import io.netty.buffer.Unpooled;
import io.s3broker.rest.error.BrokerException;
import io.s3broker.rest.error.ErrorCode;
import io.s3broker.s3.S3Errors;
import io.s3broker.s3.S3Failure;
import io.s3broker.s3.S3Store;
import io.s3broker.s3.WriteTarget;
import io.s3broker.tus.TusStore.Upload;
import io.s3broker.upload.AppendRequest;
import io.s3broker.upload.Appended;
import io.s3broker.upload.UploadFailure;
import io.s3broker.upload.UploadService;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Context;
import io.vertx.core.buffer.Buffer;
import mutiny.zero.flow.adapters.AdaptersToFlow;
import software.amazon.awssdk.core.async.ResponsePublisher;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;

/**
 * The bytes of a PATCH (or of a POST that sends its first bytes): the offset is checked against what S3 holds, the
 * kept tail is read back ahead of the body, and both stream through the upload engine into the multipart upload
 * ({@link UploadService#append}), no byte through the disk. The request that brings the last byte completes the
 * upload and removes its state (docs/decisions/0030-resumable-upload-state-in-s3.md).
 */
@ApplicationScoped
public class TusPatch {

    private final TusStore store;
    private final S3Store s3;
    private final UploadService uploads;

    public TusPatch(TusStore store, S3Store s3, UploadService uploads) {
        this.store = store;
        this.s3 = s3;
        this.uploads = uploads;
    }

    /**
     * Adds {@code body} at {@code offset}; answers the offset reached, on any thread.
     *
     * @param length the body's declared length, or -1 when it has none (chunked)
     * @param context the request's: the body streams on its event loop
     */
    Uni<Long> patch(Upload upload, long offset, long length, Multi<Buffer> body, Context context) {
        if (upload.whole()) {
            return store.finished(upload).map(status -> finishedAt(status.offset(), offset, length));
        }
        Uni<Optional<List<S3Store.Part>>> parts = TusStore.ifExists(() -> s3.listParts(upload.object(),
                upload.id().uploadId(), 0, upload.scope()));
        Uni<Optional<S3Store.Stored>> state = TusStore.ifExists(() -> s3.head(upload.state(), upload.stateScope()));
        return Uni.combine().all().unis(parts, state).asTuple().flatMap(both -> {
            if (both.getItem1().isEmpty()) {
                return store.finished(upload).map(status -> finishedAt(status.offset(), offset, length));
            }
            if (both.getItem2().isEmpty()) {
                return store.abort(upload).map(ignored -> {
                    throw TusStore.noSuchUpload();
                });
            }
            S3Store.Stored stored = both.getItem2().get();
            UploadState read = store.readState(upload, stored);
            StoredBytes bytes = StoredBytes.of(both.getItem1().get(), read.length(), read.tailAt(), stored.size());
            if (offset != bytes.offset()) {
                throw new BrokerException(ErrorCode.CONFLICT, "Upload-Offset " + offset
                        + " is not the upload's offset, " + bytes.offset() + ": ask with HEAD and resume from there");
            }
            if (length == 0) {
                return Uni.createFrom().item(offset);
            }
            if (length > 0 && offset + length > read.length()) {
                throw pastLength(read.length());
            }
            Multi<Buffer> kept = bytes.tailCounts() ? tail(upload, bytes.resumeAt(), stored.size(), context)
                    : Multi.createFrom().empty();
            AppendRequest request = new AppendRequest(upload.caller(), new WriteTarget(upload.object(),
                    Optional.empty(), Optional.empty(), upload.scope()), upload.id().uploadId(), bytes.resumeAt(),
                    StoredBytes.UNIT, read.length(), length > 0 ? offset + length : read.length(),
                    Multi.createBy().concatenating().streams(kept, body),
                    store.stateTarget(upload), read::withTailAt, context);
            return uploads.append(request)
                    .onFailure().call(ignored -> settled(upload))
                    .onFailure(e -> e instanceof UploadFailure f && f.kind() == UploadFailure.Kind.TOO_LARGE)
                    .transform(ignored -> pastLength(read.length()))
                    .flatMap(appended -> appended.reachedEnd() ? complete(upload, bytes.chain(), appended)
                            : settled(upload).replaceWith(appended.storedTo()));
        });
    }

    /** A finished upload takes no more bytes: the PATCH that repeats its end is answered, any other is a conflict. */
    private static long finishedAt(long size, long offset, long length) {
        if (offset == size && length == 0) {
            return size;
        }
        throw new BrokerException(ErrorCode.CONFLICT, "The upload is finished: its " + size + " bytes are stored");
    }

    private static BrokerException pastLength(long length) {
        return new BrokerException(ErrorCode.INVALID_REQUEST, "The body goes past Upload-Length (" + length + ")");
    }

    /**
     * The kept tail, read when the engine first asks for the body (so that nothing is fetched for a request refused
     * before), and checked to be the one the offset was computed from: another request may have kept a new one since.
     */
    private Multi<Buffer> tail(Upload upload, long at, long size, Context context) {
        return Multi.createFrom().<ResponsePublisher<GetObjectResponse>>completionStage(
                () -> s3.getObject(upload.state(), upload.stateScope()))
                .onItem().transformToMultiAndConcatenate(publisher -> {
                    GetObjectResponse response = publisher.response();
                    long tailAt = UploadState.of(response.metadata()).map(UploadState::tailAt).orElse(-1L);
                    if (tailAt != at || response.contentLength() == null || response.contentLength() != size) {
                        publisher.subscribe(new Discard());
                        return Multi.createFrom().failure(new S3Failure(S3Failure.Kind.UPSTREAM,
                                "The upload's kept bytes changed while they were read; resume from HEAD"));
                    }
                    return Multi.createFrom().publisher(AdaptersToFlow.publisher(publisher))
                            .map(bytes -> Buffer.buffer(Unpooled.wrappedBuffer(bytes)));
                })
                // The engine takes its body on the request's loop.
                .emitOn(command -> context.runOnContext(ignored -> command.run()))
                .onFailure().transform(e -> S3Errors.translate(e, upload.state().toString()));
    }

    /** The last byte is in: the parts that count, then this request's, make the object; its state goes. */
    private Uni<Long> complete(Upload upload, List<S3Store.Part> chain, Appended appended) {
        List<CompletedPart> parts = new ArrayList<>();
        chain.forEach(part -> parts.add(CompletedPart.builder().partNumber(part.partNumber()).eTag(part.etag()).build()));
        parts.addAll(appended.parts());
        return TusStore.uni(() -> s3.completeMultipartUpload(upload.object(), upload.id().uploadId(), parts,
                upload.scope()))
                // Another request kept bytes into a part of this one's meanwhile (a PATCH its client gave up on,
                // ending late): nothing is lost, the client resumes from what HEAD says.
                .onFailure(S3Errors::isInvalidPart).transform(e -> new BrokerException(ErrorCode.CONFLICT,
                        "A part of the upload changed while this request ran: ask with HEAD and resume from there"))
                .call(ignored -> store.removeState(upload))
                .replaceWith(appended.storedTo());
    }

    /**
     * After a request that did not finish the upload: if the upload is gone meanwhile (completed or ended by another
     * request), the tail this one may have kept goes too, so that no state outlives its upload.
     */
    private Uni<Void> settled(Upload upload) {
        return TusStore.ifExists(() -> s3.listParts(upload.object(), upload.id().uploadId(), 1, upload.scope()))
                .flatMap(parts -> parts.isPresent() ? Uni.createFrom().voidItem() : store.removeState(upload))
                .onFailure().recoverWithNull().replaceWithVoid();
    }

    /** Reads nothing of a body not wanted, so that the SDK lets its connection go. */
    private static final class Discard implements org.reactivestreams.Subscriber<java.nio.ByteBuffer> {
        @Override
        public void onSubscribe(org.reactivestreams.Subscription subscription) {
            subscription.cancel();
        }

        @Override
        public void onNext(java.nio.ByteBuffer item) {
        }

        @Override
        public void onError(Throwable error) {
        }

        @Override
        public void onComplete() {
        }
    }
}
