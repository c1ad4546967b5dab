package io.s3broker.tus;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.stream.Collectors;

import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import org.jboss.logging.Logger;

import io.quarkus.runtime.StartupEvent;
import io.s3broker.access.AccessDenied;
import io.s3broker.auth.Caller;
import io.s3broker.config.BrokerConfig;
import io.s3broker.credentials.Access;
import io.s3broker.credentials.Grant;
import io.s3broker.credentials.Scope;
import io.s3broker.credentials.ScopedCredentials;
import io.s3broker.logging.LogText;
import io.s3broker.s3.ObjectLocation;
import io.s3broker.s3.S3Store;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Vertx;

/**
 * Removes expired uploads nobody asks about again: every broker lists the multipart uploads under the common part of
 * {@code broker.tus.key-prefix} (with credentials that may do nothing but list them), about every tenth of
 * {@code broker.tus.expiry} and at least every 5 minutes, and removes those created more than the expiry ago, each
 * with its caller's own credentials. Several brokers may sweep at once: an upload removed twice is as good. Nothing is
 * remembered between sweeps: S3's list is the list (docs/decisions/0030-resumable-upload-state-in-s3.md).
 */
@ApplicationScoped
public class TusSweeper {

    private static final Logger LOG = Logger.getLogger(TusSweeper.class);
    /** Beyond the expiry, for S3's clock against the broker's: the request that finds an upload expired removes it first. */
    static final Duration GRACE = Duration.ofMinutes(1);
    /** Uploads looked at per sweep, at most; the next sweep takes the rest. */
    static final int MAX_PER_SWEEP = 10_000;

    private final TusStore store;
    private final S3Store s3;
    private final ScopedCredentials credentials;
    private final Optional<String> bucket;
    private final String region;
    private final Duration session;
    private final Vertx vertx;
    private final Clock clock = Clock.systemUTC();
    private long timer = -1;

    public TusSweeper(TusStore store, S3Store s3, ScopedCredentials credentials, BrokerConfig config, Vertx vertx) {
        this.store = store;
        this.s3 = s3;
        this.credentials = credentials;
        this.bucket = config.tus().bucket();
        this.region = config.region();
        this.session = config.roleSessionDuration();
        this.vertx = vertx;
    }

    void start(@Observes StartupEvent event) {
        if (bucket.isEmpty()) {
            return;
        }
        long every = Math.max(1_000, Math.min(store.expiry().toMillis() / 10, Duration.ofMinutes(5).toMillis()));
        timer = vertx.setPeriodic(every, ignored -> sweep(clock.instant()).subscribe().with(count -> {
        }, failure -> LOG.warnf("Could not sweep expired resumable uploads: %s", failure.toString())));
    }

    @PreDestroy
    void stop() {
        if (timer >= 0) {
            vertx.cancelTimer(timer);
        }
    }

    /** Removes the uploads created before {@code now} less the expiry (and a grace); answers how many. One at a time. */
    public Uni<Integer> sweep(Instant now) {
        String target = bucket.orElseThrow();
        String common = store.keys().commonPrefix();
        Instant before = now.minus(store.expiry()).minus(GRACE);
        var listing = credentials.forScope(Scope.of(new Grant(Access.LIST_UPLOADS, target, common), session));
        return TusStore.uni(() -> s3.listMultipartUploads(new ObjectLocation(region, target, common), MAX_PER_SWEEP,
                listing))
                .onItem().transformToMulti(open -> Multi.createFrom().iterable(open))
                .filter(open -> open.initiated() != null && open.initiated().isBefore(before))
                .onItem().transformToUniAndConcatenate(this::remove)
                .collect().with(Collectors.summingInt(Integer::intValue));
    }

    private Uni<Integer> remove(S3Store.OpenUpload open) {
        Optional<Caller> owner = store.keys().owner(open.key());
        if (owner.isEmpty()) {
            return Uni.createFrom().item(0); // not an upload the broker made
        }
        TusStore.Upload upload;
        try {
            upload = store.of(owner.get(), open.key(), open.uploadId(), "tus-expire");
        } catch (AccessDenied e) {
            LOG.warnf("Expired upload %s of %s is no longer in its caller's write list; a lifecycle rule must remove it",
                    LogText.escape(open.key()), LogText.escape(owner.get().name()));
            return Uni.createFrom().item(0);
        }
        return store.remove(upload).map(ignored -> {
            LOG.infof("Removed the expired resumable upload %s of %s, created %s", upload.object(),
                    LogText.escape(owner.get().name()), open.initiated());
            return 1;
        }).onFailure().recoverWithItem(failure -> {
            LOG.warnf("Could not remove the expired upload %s: %s", upload.object(), failure.toString());
            return 0;
        });
    }
}
