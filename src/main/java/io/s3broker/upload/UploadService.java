package io.s3broker.upload;

import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Instance;

import org.jboss.logging.Logger;

import io.quarkus.runtime.ShutdownEvent;
import io.s3broker.config.BrokerConfig;
import io.s3broker.aws.RegionClients;
import io.s3broker.aws.S3Clients;
import io.s3broker.s3.S3CallTimer;
import io.s3broker.s3.S3Errors;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Context;
import io.vertx.core.buffer.Buffer;
import mutiny.zero.flow.adapters.AdaptersToReactiveStreams;
import software.amazon.awssdk.core.async.AsyncRequestBody;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;

/**
 * Streams a client's body into S3, never through the disk and never whole in memory. A body of known length
 * (up to {@code broker.upload.multipart-threshold}) goes as one streamed PutObject; any other as a multipart
 * upload ({@link StreamingUpload}), whose first part is streamed too when the body's least length is known.
 * Either way a failure leaves no object and no open multipart upload.
 */
@ApplicationScoped
public class UploadService {

    private static final Logger LOG = Logger.getLogger(UploadService.class);
    private static final Duration SHUTDOWN_ABORT_WAIT = Duration.ofSeconds(20);

    private final S3Clients clients;
    private final S3CallTimer calls;
    private final List<UploadObserver> observers;
    private final BrokerConfig.Upload config;
    private final StreamingUpload.UploadSettings settings;
    private final PartBufferPool buffers;
    private final Set<ActiveUpload> active = ConcurrentHashMap.newKeySet();

    public UploadService(S3Clients clients, S3CallTimer calls, Instance<UploadObserver> observers, BrokerConfig config) {
        this.clients = clients;
        this.calls = calls;
        this.observers = observers.stream().toList();
        this.config = config.upload();
        this.settings = new StreamingUpload.UploadSettings(this.config.partSize().asLongValue(),
                this.config.maxPartsInFlight(), this.config.maxSize().asLongValue(), this.config.partTimeout(),
                config.s3().timeout());
        this.buffers = new PartBufferPool(this.config.partSize().asLongValue(), this.config.maxBuffered().asLongValue());
    }

    /**
     * Uploads {@code body} to the target.
     *
     * @param length what is known of the body's length before reading it
     * @param context the Vert.x context the body's stream belongs to: the upload runs its state on it
     * @param commitGate the upload is made visible in S3 only once this completes; if it fails, the upload is
     *        aborted (a multipart form may still turn out invalid after its file part)
     */
    public Uni<UploadResult> upload(UploadTarget target, BodyLength length, Multi<Buffer> body,
            Context context, CompletionStage<Void> commitGate) {
        String where = target.location().toString();
        // Refused before anything is read, nor any call made.
        if (length.least() > settings.maxSize()) {
            return Uni.createFrom().failure(UploadFailure.tooLarge(settings.maxSize()));
        }
        // Credentials first: without them the client's body is not read at all, and it gets a prompt 503.
        RegionClients regionClients = clients.forRegion(target.location().region());
        return Uni.createFrom().completionStage(() -> target.credentials().cache().get())
                .map(ignored -> regionClients)
                .emitOn(command -> context.runOnContext(ignored -> command.run()))
                .flatMap(region -> {
                    boolean streamedPut = length.exact() >= 0
                            && length.exact() <= config.multipartThreshold().asLongValue();
                    CompletableFuture<UploadResult> upload = streamedPut
                            ? putStream(region, target, length.exact(), body)
                            : multipart(region, target, length.least(), body, context, commitGate);
                    return Uni.createFrom().completionStage(upload)
                            .flatMap(done -> done.etag() == null || done.etag().isEmpty() ? withEtag(region, target, done)
                                    : Uni.createFrom().item(done));
                })
                .onItem().invoke(done -> observers.forEach(observer -> observer.completed(done.size())))
                .onFailure().transform(e -> S3Errors.translate(e, where));
    }

    /**
     * CompleteMultipartUpload answers an empty ETag on some servers (Ceph RGW 16), while HeadObject has the right
     * one; a HEAD costs little next to an upload of at least one part.
     */
    private Uni<UploadResult> withEtag(RegionClients region, UploadTarget target, UploadResult done) {
        return Uni.createFrom().completionStage(() -> calls.timed("HeadObject", () -> region.retrying().headObject(h -> h
                        .bucket(done.bucket())
                        .key(done.key())
                        .overrideConfiguration(o -> o.credentialsProvider(target.credentials().provider())))))
                .map(head -> new UploadResult(done.bucket(), done.key(), done.size(), head.eTag()));
    }

    private CompletableFuture<UploadResult> multipart(RegionClients region, UploadTarget target, long leastLength,
            Multi<Buffer> body, Context context, CompletionStage<Void> commitGate) {
        StreamingUpload upload = new StreamingUpload(region, target, settings, buffers, calls, context, commitGate,
                leastLength);
        track(upload);
        body.subscribe(upload);
        return upload.result();
    }

    /** One PutObject whose body is the client's stream: the SDK's demand paces the reading. */
    private CompletableFuture<UploadResult> putStream(RegionClients region, UploadTarget target, long length,
            Multi<Buffer> body) {
        PutObjectRequest.Builder put = PutObjectRequest.builder()
                .bucket(target.location().bucket())
                .key(target.location().key())
                .contentType(target.contentType())
                .contentLength(length)
                .overrideConfiguration(o -> o.credentialsProvider(target.credentials().provider()));
        target.acl().ifPresent(put::acl);
        AsyncRequestBody stream = AsyncRequestBody.fromPublisher(
                AdaptersToReactiveStreams.publisher(body.map(chunk -> chunk.getByteBuf().nioBuffer())));
        CompletableFuture<UploadResult> call = calls.timed("PutObject", () -> region.singleAttempt().putObject(put.build(),
                        stream))
                .thenApply(response -> new UploadResult(target.location().bucket(), target.location().key(), length,
                        response.eTag()));
        ActiveUpload handle = new ActiveUpload() {
            @Override
            public void abort(Throwable reason) {
                // Cancelling the SDK's future aborts the HTTP request: S3 stores nothing from a PUT cut short.
                call.cancel(true);
            }

            @Override
            public CompletableFuture<?> done() {
                return call;
            }
        };
        track(handle);
        return call;
    }

    private void track(ActiveUpload upload) {
        active.add(upload);
        upload.done().whenComplete((r, e) -> active.remove(upload));
    }

    /**
     * Runs after Quarkus has given requests in flight their grace period (quarkus.shutdown.timeout): whatever
     * upload is still going cannot finish, so it is aborted and its parts removed before the process exits.
     * Blocking is fine here: this is the shutdown thread, not an event loop.
     */
    void abortRemaining(@Observes ShutdownEvent event) {
        if (active.isEmpty()) {
            return;
        }
        LOG.warnf("Shutting down: aborting %d upload(s) still in progress", active.size());
        UploadFailure reason = new UploadFailure(UploadFailure.Kind.SHUTTING_DOWN, "The service is shutting down");
        CompletableFuture<?>[] done = active.stream().peek(upload -> upload.abort(reason))
                .map(upload -> upload.done().handle((r, e) -> null)).toArray(CompletableFuture[]::new);
        try {
            CompletableFuture.allOf(done).get(SHUTDOWN_ABORT_WAIT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            LOG.errorf("Not every upload was aborted within %s; a lifecycle rule must remove what is left", SHUTDOWN_ABORT_WAIT);
        }
    }
}
