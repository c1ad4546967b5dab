package io.s3broker.s3;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import org.jboss.logging.Logger;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;

import io.quarkus.runtime.StartupEvent;
import io.s3broker.config.BrokerConfig;
import io.s3broker.credentials.ScopeCredentials;
import io.s3broker.logging.LogText;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Vertx;

/**
 * The multipart uploads clients run straight against S3 that this broker knows: those it created (with their age,
 * so that {@code broker.companion.abandoned-after} can abort the abandoned ones) and those whose key it has checked
 * with S3. Which upload belongs to which key and caller is answered from here without an S3 call. Kept in memory:
 * after a restart, or on another replica, the first signing of an upload checks it with S3 again, and a bucket
 * lifecycle rule removes what a restart forgot.
 */
@ApplicationScoped
public class OpenUploads {

    private static final Logger LOG = Logger.getLogger(OpenUploads.class);
    /** Bounds memory; beyond it the least recently used are forgotten (and checked with S3 again if they come back). */
    static final int MAX_UPLOADS = 100_000;

    /**
     * An upload this broker knows.
     *
     * @param owner the caller that may use it
     * @param createdAt when this broker created it, or null when it only checked it (not its to abort)
     * @param scope the credentials that abort it when abandoned
     */
    public record Upload(String uploadId, String owner, ObjectLocation object, Instant createdAt, ScopeCredentials scope) {
    }

    private final Cache<String, Upload> byId = Caffeine.newBuilder().maximumSize(MAX_UPLOADS).build();
    private final S3Store store;
    private final Optional<Duration> abandonedAfter;
    private final Vertx vertx;
    private final Clock clock = Clock.systemUTC();
    private long timer = -1;

    public OpenUploads(S3Store store, BrokerConfig config, Vertx vertx) {
        this.store = store;
        this.abandonedAfter = config.companion().abandonedAfter();
        this.vertx = vertx;
    }

    void start(@Observes StartupEvent event) {
        abandonedAfter.ifPresent(age -> {
            long every = Math.max(1_000, Math.min(age.toMillis() / 10, Duration.ofMinutes(5).toMillis()));
            timer = vertx.setPeriodic(every, ignored -> abortAbandoned(clock.instant()).subscribe().with(
                    count -> {
                    }, failure -> LOG.warnf("Could not abort abandoned uploads: %s", failure.toString())));
        });
    }

    @PreDestroy
    void stop() {
        if (timer >= 0) {
            vertx.cancelTimer(timer);
        }
    }

    public void created(String uploadId, String owner, ObjectLocation object, ScopeCredentials scope) {
        byId.put(uploadId, new Upload(uploadId, owner, object, clock.instant(), scope));
    }

    public void checked(String uploadId, String owner, ObjectLocation object, ScopeCredentials scope) {
        byId.asMap().putIfAbsent(uploadId, new Upload(uploadId, owner, object, null, scope));
    }

    public Optional<Upload> find(String uploadId) {
        return Optional.ofNullable(byId.getIfPresent(uploadId));
    }

    /** Completed or aborted: nothing left to watch. */
    public void ended(String uploadId) {
        byId.invalidate(uploadId);
    }

    /**
     * Aborts the uploads this broker created before {@code now} minus {@code broker.companion.abandoned-after};
     * answers how many it aborted. One at a time: a sweep is background work.
     */
    public Uni<Integer> abortAbandoned(Instant now) {
        if (abandonedAfter.isEmpty()) {
            return Uni.createFrom().item(0);
        }
        Instant before = now.minus(abandonedAfter.get());
        List<Upload> old = byId.asMap().values().stream()
                .filter(upload -> upload.createdAt() != null && upload.createdAt().isBefore(before))
                .toList();
        if (old.isEmpty()) {
            return Uni.createFrom().item(0);
        }
        return Multi.createFrom().iterable(old)
                .onItem().transformToUniAndConcatenate(upload -> Uni.createFrom().completionStage(() -> store
                        .abortMultipartUpload(upload.object(), upload.uploadId(), upload.scope()))
                        .map(ignored -> 1)
                        .onFailure(failure -> failure instanceof S3Failure s3 && s3.kind() == S3Failure.Kind.NO_SUCH_KEY)
                        .recoverWithItem(0)
                        .invoke(aborted -> {
                            byId.invalidate(upload.uploadId());
                            if (aborted == 1) {
                                LOG.infof("Aborted the abandoned multipart upload of %s by %s, created %s",
                                        upload.object(), LogText.escape(upload.owner()), upload.createdAt());
                            }
                        })
                        .onFailure().recoverWithItem(failure -> {
                            LOG.warnf("Could not abort the abandoned multipart upload of %s: %s", upload.object(),
                                    failure.toString());
                            return 0;
                        }))
                .collect().with(java.util.stream.Collectors.summingInt(Integer::intValue));
    }
}
