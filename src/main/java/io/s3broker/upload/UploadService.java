package io.s3broker.upload;

import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Instance;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

import io.quarkus.runtime.ShutdownDelayInitiatedEvent;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.Startup;
import io.s3broker.access.Audit;
import io.s3broker.access.CallerLimits;
import io.s3broker.auth.Caller;
import io.s3broker.config.BrokerConfig;
import io.s3broker.credentials.CredentialsUnavailableException;
import io.s3broker.s3.S3Errors;
import io.s3broker.s3.S3Failure;
import io.s3broker.s3.S3Store;
import io.s3broker.s3.WriteTarget;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Context;
import io.vertx.core.buffer.Buffer;

/**
 * Streams a client's body into S3, never through the disk and never whole in memory: the caller's uploads in flight
 * and the size limit are checked, the scope's credentials are had once (no body is read without them) and the grant
 * audited, and the upload runs on its request's event loop, as one streamed PutObject ({@link SinglePut}) or a
 * multipart upload ({@link MultipartUpload}); docs/decisions/0009-every-part-streamed.md,
 * 0024-upload-phases.md. A failure leaves no object and no open multipart upload. Made at start-up
 * ({@code @Startup}), so that the part buffers are allocated then, not on an event loop.
 */
@Startup
@ApplicationScoped
public class UploadService {

    private static final Logger LOG = Logger.getLogger(UploadService.class);
    private static final Duration SHUTDOWN_ABORT_WAIT = Duration.ofSeconds(20);

    private final S3Store s3;
    private final CallerLimits limits;
    private final Audit audit;
    private final List<UploadObserver> observers;
    private final UploadSettings settings;
    private final PartBufferPool buffers;
    private final RunningUploads running = new RunningUploads();
    private final Optional<Duration> shutdownTimeout;
    private final Optional<Duration> shutdownDelay;

    public UploadService(S3Store s3, CallerLimits limits, Audit audit, Instance<UploadObserver> observers,
            BrokerConfig config,
            @ConfigProperty(name = "quarkus.shutdown.timeout") Optional<Duration> shutdownTimeout,
            @ConfigProperty(name = "quarkus.shutdown.delay") Optional<Duration> shutdownDelay) {
        this.s3 = s3;
        this.limits = limits;
        this.audit = audit;
        this.shutdownTimeout = shutdownTimeout;
        this.shutdownDelay = shutdownDelay;
        this.observers = observers.stream().toList();
        BrokerConfig.Upload upload = config.upload();
        this.settings = new UploadSettings(upload.partSize().asLongValue(), upload.maxPartsInFlight(),
                upload.maxSize().asLongValue(), upload.multipartThreshold().asLongValue(), upload.idleTimeout(),
                upload.minRate().asLongValue(), upload.bufferWait());
        long pool = Math.max(1, upload.maxBuffered().asLongValue() / upload.partSize().asLongValue());
        // With authentication off every request is one caller: a share would only leave buffers unused.
        int perCaller = upload.buffersPerCaller().orElse(config.auth().mode() == BrokerConfig.Auth.Mode.NONE
                ? 0 : (int) Math.max(1, pool - 1));
        this.buffers = new PartBufferPool(settings.partSize(), upload.maxBuffered().asLongValue(), perCaller,
                (inUse, waiting) -> this.observers.forEach(o -> o.buffers(inUse, waiting)));
    }

    /**
     * Runs {@code request}. The returned Uni answers on the request's context, once: what was stored, or what went
     * wrong once nothing is left in S3.
     */
    public Uni<UploadResult> upload(UploadRequest request) {
        // Refused before anything is read, or any call made.
        UploadFailure refused = request.length().least() > settings.maxSize() ? UploadFailure.tooLarge(settings.maxSize())
                : null;
        return admitted(request.caller(), request.target(), request.context(), refused, () -> run(request));
    }

    /**
     * Adds {@code request}'s body to its multipart upload, as a resumable upload's request does ({@link AppendUpload}):
     * under the same limits, buffers and audit as {@link #upload}. The returned Uni answers on the request's context,
     * once: what was stored, or what went wrong once what the client sent is kept.
     */
    public Uni<Appended> append(AppendRequest request) {
        return admitted(request.caller(), request.target(), request.context(), null, () -> {
            AppendUpload upload = new AppendUpload(request, request.caller().name(), settings, s3, buffers,
                    UploadLoop.of(request.context()));
            start(upload, request.body());
            return upload.appended();
        });
    }

    /**
     * The caller's uploads in flight and {@code refused} checked, the scope's credentials had once (no body is read
     * without them) and the grant audited: then {@code run} starts the upload on the request's context.
     */
    private <T> Uni<T> admitted(Caller caller, WriteTarget target, Context context, UploadFailure refused,
            Supplier<CompletableFuture<T>> run) {
        Runnable release;
        try {
            release = limits.startUpload(caller);
        } catch (RuntimeException e) {
            return Uni.createFrom().failure(e);
        }
        if (refused != null) {
            release.run();
            return Uni.createFrom().failure(refused);
        }
        return Uni.createFrom().completionStage(() -> target.scope().cache().get())
                // The one hop onto the request's loop: the upload runs there (its streamed calls use that loop's
                // connections), and its result, completed there, answers there (decision 0004).
                .emitOn(command -> context.runOnContext(ignored -> command.run()))
                .flatMap(credentials -> {
                    audit.granted(caller, "upload", target.location().bucket(), target.location().key(),
                            null, credentials.credentials().accessKeyId());
                    return Uni.createFrom().completionStage(run);
                })
                .onFailure().transform(e -> S3Errors.translate(e, target.location().toString()))
                .onTermination().invoke(release);
    }

    /** On the request's loop: picks the way the body goes, and subscribes it to the body. */
    private CompletableFuture<UploadResult> run(UploadRequest request) {
        UploadLoop loop = UploadLoop.of(request.context());
        long exact = request.length().exact();
        Upload upload = exact >= 0 && exact <= settings.multipartThreshold()
                ? new SinglePut(request.target(), exact, settings, s3, loop)
                : new MultipartUpload(request.target(), request.length(), request.caller().name(), settings, s3,
                        buffers, loop);
        start(upload, request.body());
        return upload.result();
    }

    /** Counts {@code upload} in (metrics, shutdown) and subscribes it to its body. */
    private void start(Upload upload, Multi<Buffer> body) {
        observers.forEach(UploadObserver::started);
        upload.result().whenComplete((done, error) -> {
            if (error != null) {
                String reason = reason(error);
                observers.forEach(o -> o.failed(reason));
            } else {
                observers.forEach(o -> o.completed(done.size()));
            }
        });
        running.add(upload);
        body.subscribe(upload);
    }

    private static String reason(Throwable error) {
        Throwable e = S3Errors.unwrap(error);
        if (e instanceof UploadFailure failure) {
            return failure.kind().name().toLowerCase(Locale.ROOT);
        }
        if (e instanceof CredentialsUnavailableException) {
            return "credentials";
        }
        return e instanceof S3Failure || e.getClass().getName().startsWith("software.amazon") ? "s3" : "rejected";
    }

    /**
     * Shutdown starts (readiness is DOWN from now on): uploads still running shortly before the grace period ends
     * are cancelled then ({@link RunningUploads}); after the grace period Quarkus closes the connections.
     */
    void shutdownStarted(@Observes ShutdownDelayInitiatedEvent event) {
        running.shutdownStarted(shutdownDelay.orElse(Duration.ZERO), shutdownTimeout.orElse(Duration.ZERO),
                (millis, task) -> CompletableFuture.delayedExecutor(millis, TimeUnit.MILLISECONDS).execute(task));
    }

    /**
     * Runs after the grace period, for whatever upload is still going (one that started late, or whose abort is
     * slow): it is cancelled and its parts removed before the process exits. Blocking is fine here: this is the
     * shutdown thread, not an event loop.
     */
    void abortRemaining(@Observes ShutdownEvent event) {
        CompletableFuture<Void> done = running.abortAll();
        try {
            done.get(SHUTDOWN_ABORT_WAIT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            LOG.errorf("Not every upload was aborted within %s; a lifecycle rule must remove what is left", SHUTDOWN_ABORT_WAIT);
        }
    }
}
