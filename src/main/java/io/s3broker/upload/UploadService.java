package io.s3broker.upload;

import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Instance;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

import io.quarkus.runtime.ShutdownDelayInitiatedEvent;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.Startup;
import io.s3broker.aws.S3Clients;
import io.s3broker.config.BrokerConfig;
import io.s3broker.credentials.CredentialsUnavailableException;
import io.s3broker.s3.S3CallTimer;
import io.s3broker.s3.S3Errors;
import io.s3broker.s3.S3Failure;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Context;
import io.vertx.core.buffer.Buffer;

/**
 * Streams a client's body into S3, never through the disk and never whole in memory: each upload is run by an
 * {@link UploadCoordinator} on its request's event loop (docs/decisions/0006-streamed-put-and-multipart.md,
 * 0009-every-part-streamed.md). A failure leaves no object and no open multipart upload. Made at start-up
 * ({@code @Startup}), so that the part buffers are allocated then, not on an event loop.
 */
@Startup
@ApplicationScoped
public class UploadService {

    private static final Logger LOG = Logger.getLogger(UploadService.class);
    private static final Duration SHUTDOWN_ABORT_WAIT = Duration.ofSeconds(20);
    /** How long before the grace period ends uploads still running are cancelled, at most (a quarter of it if less). */
    private static final Duration SHUTDOWN_MARGIN = Duration.ofSeconds(5);

    private final S3Clients clients;
    private final S3CallTimer calls;
    private final List<UploadObserver> observers;
    private final UploadSettings settings;
    private final PartBufferPool buffers;
    private final Set<UploadCoordinator> active = ConcurrentHashMap.newKeySet();
    private final Optional<Duration> shutdownTimeout;
    private final Optional<Duration> shutdownDelay;
    /** Set when the uploads still running are cancelled at shutdown; uploads that start later are refused. */
    private volatile boolean cancelling;

    public UploadService(S3Clients clients, S3CallTimer calls, Instance<UploadObserver> observers, BrokerConfig config,
            @ConfigProperty(name = "quarkus.shutdown.timeout") Optional<Duration> shutdownTimeout,
            @ConfigProperty(name = "quarkus.shutdown.delay") Optional<Duration> shutdownDelay) {
        this.shutdownTimeout = shutdownTimeout;
        this.shutdownDelay = shutdownDelay;
        this.clients = clients;
        this.calls = calls;
        this.observers = observers.stream().toList();
        BrokerConfig.Upload upload = config.upload();
        this.settings = new UploadSettings(upload.partSize().asLongValue(), upload.maxPartsInFlight(),
                upload.maxSize().asLongValue(), upload.multipartThreshold().asLongValue(), upload.partTimeout(),
                config.s3().timeout(), upload.idleTimeout(), upload.bufferWait());
        this.buffers = new PartBufferPool(settings.partSize(), upload.maxBuffered().asLongValue(),
                (inUse, waiting) -> this.observers.forEach(o -> o.buffers(inUse, waiting)));
    }

    /**
     * Uploads {@code body} to the target. The returned Uni fails with what went wrong once nothing is left in S3.
     *
     * @param length what is known of the body's length before reading it
     * @param context the request's Vert.x context: the upload runs its state on it
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
        return Uni.createFrom().completionStage(() -> target.credentials().cache().get())
                .emitOn(command -> context.runOnContext(ignored -> command.run()))
                .flatMap(ignored -> Uni.createFrom().completionStage(() -> {
                    // On the request's loop: its session streams through that loop's S3 connections.
                    MultipartSession session = new MultipartSession(clients.forRegion(target.location().region()),
                            target, settings, calls);
                    UploadCoordinator upload = new UploadCoordinator(target, length, settings, session, buffers,
                            new VertxLoop(context), commitGate);
                    active.add(upload);
                    observers.forEach(UploadObserver::started);
                    upload.result().whenComplete((done, error) -> {
                        active.remove(upload);
                        if (error != null) {
                            String reason = reason(error);
                            observers.forEach(o -> o.failed(reason));
                        } else {
                            observers.forEach(o -> o.completed(done.size()));
                        }
                    });
                    body.subscribe(upload);
                    if (cancelling) {
                        // Its credentials came while the running uploads were being cancelled; abortAll may not have
                        // seen it in the set (added after cancelling was set, read after the add: one sees the other).
                        upload.abort(UploadFailure.shuttingDown());
                    }
                    return upload.result();
                }))
                .onFailure().transform(e -> S3Errors.translate(e, where));
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
     * Shutdown starts (readiness is DOWN from now on): requests in flight get the grace period
     * ({@code quarkus.shutdown.timeout}, after {@code quarkus.shutdown.delay}). Uploads still running shortly before
     * it ends are cancelled then, so that their 503 answers go out while the server still writes them; after the
     * grace period Quarkus closes the connections.
     */
    void shutdownStarted(@Observes ShutdownDelayInitiatedEvent event) {
        Duration grace = shutdownTimeout.orElse(Duration.ZERO);
        Duration margin = grace.dividedBy(4).compareTo(SHUTDOWN_MARGIN) < 0 ? grace.dividedBy(4) : SHUTDOWN_MARGIN;
        long at = shutdownDelay.orElse(Duration.ZERO).plus(grace).minus(margin).toMillis();
        CompletableFuture.delayedExecutor(Math.max(0, at), TimeUnit.MILLISECONDS).execute(this::abortAll);
    }

    /**
     * Runs after the grace period, for whatever upload is still going (one that started late, or whose abort is
     * slow): it is cancelled and its parts removed before the process exits. Blocking is fine here: this is the
     * shutdown thread, not an event loop.
     */
    void abortRemaining(@Observes ShutdownEvent event) {
        CompletableFuture<Void> done = abortAll();
        try {
            done.get(SHUTDOWN_ABORT_WAIT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            LOG.errorf("Not every upload was aborted within %s; a lifecycle rule must remove what is left", SHUTDOWN_ABORT_WAIT);
        }
    }

    /** Cancels every upload still running: calls cancelled, parts removed, clients answered 503. */
    private CompletableFuture<Void> abortAll() {
        cancelling = true;
        if (active.isEmpty()) {
            return CompletableFuture.completedFuture(null);
        }
        LOG.warnf("Shutting down: aborting %d upload(s) still in progress", active.size());
        UploadFailure reason = UploadFailure.shuttingDown();
        return CompletableFuture.allOf(active.stream().peek(upload -> upload.abort(reason))
                .map(upload -> upload.result().handle((r, e) -> null)).toArray(CompletableFuture[]::new));
    }

    /** The request's event loop, as the coordinator's loop. */
    private record VertxLoop(Context context) implements UploadCoordinator.Loop {
        @Override
        public void execute(Runnable task) {
            context.runOnContext(ignored -> task.run());
        }

        @Override
        public Runnable schedule(long millis, Runnable task) {
            long id = context.owner().setTimer(millis, ignored -> context.runOnContext(v -> task.run()));
            return () -> context.owner().cancelTimer(id);
        }
    }
}
