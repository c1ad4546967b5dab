package io.s3broker.tus;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

import jakarta.enterprise.context.ApplicationScoped;

import org.jboss.logging.Logger;

import io.s3broker.access.AccessPolicy;
import io.s3broker.access.Audit;
import io.s3broker.access.UploadKeys;
import io.s3broker.auth.Caller;
import io.s3broker.config.BrokerConfig;
import io.s3broker.credentials.Access;
import io.s3broker.credentials.Grant;
import io.s3broker.credentials.Scope;
import io.s3broker.credentials.ScopeCredentials;
import io.s3broker.credentials.ScopedCredentials;
import io.s3broker.rest.RequestValidator;
import io.s3broker.rest.error.BrokerException;
import io.s3broker.rest.error.ErrorCode;
import io.s3broker.s3.ObjectLocation;
import io.s3broker.s3.S3Errors;
import io.s3broker.s3.S3Failure;
import io.s3broker.s3.S3Store;
import io.s3broker.s3.WriteTarget;
import io.smallrye.mutiny.Uni;
import software.amazon.awssdk.core.async.AsyncRequestBody;

/**
 * Every storage call of resumable uploads but their bodies' ({@link TusPatch}): finding a caller's upload from its
 * URL, creating it (a multipart upload and its state object), telling how far it is from what S3 holds, and ending it
 * (terminated or expired: its multipart upload aborted and its state removed). Nothing about an upload is kept here:
 * all of it is in S3, so any broker serves any upload (docs/decisions/0030-resumable-upload-state-in-s3.md).
 */
@ApplicationScoped
public class TusStore {

    private static final Logger LOG = Logger.getLogger(TusStore.class);
    /** Where each caller's upload states lie, under its key prefix. */
    static final String STATE_DIR = ".tus/";
    private static final String OCTET_STREAM = "application/octet-stream";

    /** An upload of the caller's, found from its URL (or just made) and allowed: where its object and state are. */
    record Upload(Caller caller, TusId id, ObjectLocation object, ObjectLocation state, ScopeCredentials scope,
            ScopeCredentials stateScope, Instant expires) {

        /** An upload of 0 bytes: stored whole at its creation, without a multipart upload or a state. */
        boolean whole() {
            return id.uploadId().isEmpty();
        }
    }

    /** What HEAD answers: the bytes stored, the length, the client's metadata; {@code finished} once it is an object. */
    record Status(long offset, long length, Optional<String> metadata, boolean finished) {
    }

    private final S3Store s3;
    private final AccessPolicy access;
    private final ScopedCredentials credentials;
    private final Audit audit;
    private final RequestValidator validate;
    private final Optional<String> bucket;
    private final String region;
    private final UploadKeys keys;
    private final Duration expiry;
    private final Duration session;
    private final Optional<String> acl;
    private final long maxLength;
    private Clock clock = Clock.systemUTC();

    public TusStore(S3Store s3, AccessPolicy access, ScopedCredentials credentials, Audit audit,
            RequestValidator validate, BrokerConfig config) {
        this.s3 = s3;
        this.access = access;
        this.credentials = credentials;
        this.audit = audit;
        this.validate = validate;
        this.bucket = config.tus().bucket();
        this.region = config.region();
        this.keys = new UploadKeys(config.tus().keyPrefix());
        this.expiry = config.tus().expiry();
        this.session = config.roleSessionDuration();
        this.acl = config.upload().acl();
        this.maxLength = StoredBytes.maxLength(config.upload().maxSize().asLongValue());
    }

    /** Tests move time on with it. */
    void clock(Clock clock) {
        this.clock = clock;
    }

    boolean enabled() {
        return bucket.isPresent();
    }

    /** {@code Tus-Max-Size}: {@code broker.upload.max-size}, within what S3's 10,000 parts can place. */
    long maxLength() {
        return maxLength;
    }

    UploadKeys keys() {
        return keys;
    }

    Duration expiry() {
        return expiry;
    }

    /**
     * The caller's upload of {@code text}, allowed by its write list; 404 before any S3 call when the id is none the
     * broker made for this caller.
     */
    Upload find(Caller caller, String text) {
        TusId id = TusId.parse(text).filter(parsed -> parsed.owner().equals(TusId.ownerOf(caller)))
                .filter(parsed -> keys.isOwnKey(caller, keys.callerPrefix(caller) + parsed.name()))
                .orElseThrow(TusStore::noSuchUpload);
        return locate(caller, id, "tus");
    }

    /** The upload of {@code key} and {@code uploadId}, a key {@link UploadKeys#newKey} made for {@code caller}. */
    Upload of(Caller caller, String key, String uploadId, String action) {
        return locate(caller, new TusId(uploadId, 0, TusId.ownerOf(caller),
                key.substring(keys.callerPrefix(caller).length())), action);
    }

    private Upload locate(Caller caller, TusId id, String action) {
        String target = bucket.orElseThrow(TusStore::noSuchUpload);
        String prefix = keys.callerPrefix(caller);
        ObjectLocation object = new ObjectLocation(region, target, prefix + id.name());
        ObjectLocation state = new ObjectLocation(region, target, prefix + STATE_DIR + id.name());
        // The allow-list decides before any STS or S3 call, for the state as for the object.
        ScopeCredentials scope = access.authorize(caller, Access.WRITE, action, target, object.key());
        ScopeCredentials stateScope = access.authorize(caller, Access.WRITE, action, target, state.key());
        return new Upload(caller, id, object, state, scope, stateScope,
                Instant.ofEpochSecond(id.created()).plus(expiry));
    }

    boolean expired(Upload upload) {
        return clock.instant().isAfter(upload.expires());
    }

    /** A new upload of {@code length} bytes: its multipart upload and its state, or (0 bytes) its empty object. */
    Uni<Upload> create(Caller caller, long length, UploadMetadata metadata) {
        if (length > maxLength) {
            throw new BrokerException(ErrorCode.PAYLOAD_TOO_LARGE, "Upload-Length " + length
                    + " exceeds the maximum size of " + maxLength + " bytes (Tus-Max-Size)");
        }
        String key = keys.newKey(caller, metadata.filename().orElse("file"));
        TusId unnamed = new TusId("", clock.instant().getEpochSecond(), TusId.ownerOf(caller),
                key.substring(keys.callerPrefix(caller).length()));
        Upload upload = locate(caller, unnamed, "tus-create");
        WriteTarget object = new WriteTarget(upload.object(), Optional.of(contentType(metadata)), acl, upload.scope());
        return uni(() -> upload.scope().cache().get()).flatMap(signer -> {
            audit.granted(caller, "tus-create", upload.object().bucket(), upload.object().key(), upload.expires(),
                    signer.credentials().accessKeyId());
            if (length == 0) {
                return uni(() -> s3.putObject(object, AsyncRequestBody.empty(), false)).replaceWith(upload);
            }
            UploadState state = new UploadState(length, metadata.header(), 0);
            return uni(() -> s3.createMultipartUpload(object)).flatMap(uploadId -> {
                Upload created = withUploadId(upload, uploadId);
                return uni(() -> s3.putObject(stateTarget(created), AsyncRequestBody.empty(), false,
                        state.withTailAt(0))).replaceWith(created)
                        // No upload without its state: the multipart upload goes if its state could not be written.
                        .onFailure().call(e -> abort(created));
            });
        });
    }

    private static Upload withUploadId(Upload upload, String uploadId) {
        TusId id = upload.id();
        return new Upload(upload.caller(), new TusId(uploadId, id.created(), id.owner(), id.name()), upload.object(),
                upload.state(), upload.scope(), upload.stateScope(), upload.expires());
    }

    private String contentType(UploadMetadata metadata) {
        try {
            return metadata.type().flatMap(validate::contentType).orElse(OCTET_STREAM);
        } catch (BrokerException e) {
            return OCTET_STREAM; // a type no media type: the upload goes on without it
        }
    }

    /** How far the upload is: from its parts and its state, in parallel. */
    Uni<Status> status(Upload upload) {
        if (upload.whole()) {
            return finished(upload);
        }
        Uni<Optional<List<S3Store.Part>>> parts = ifExists(() -> s3.listParts(upload.object(),
                upload.id().uploadId(), 0, upload.scope()));
        Uni<Optional<S3Store.Stored>> state = ifExists(() -> s3.head(upload.state(), upload.stateScope()));
        return Uni.combine().all().unis(parts, state).asTuple().flatMap(both -> {
            if (both.getItem1().isEmpty()) {
                return finished(upload);
            }
            if (both.getItem2().isEmpty()) {
                return orphan(upload);
            }
            S3Store.Stored stored = both.getItem2().get();
            UploadState read = readState(upload, stored);
            StoredBytes bytes = StoredBytes.of(both.getItem1().get(), read.length(), read.tailAt(), stored.size());
            return Uni.createFrom().item(new Status(bytes.offset(), read.length(), read.metadata(), false));
        });
    }

    UploadState readState(Upload upload, S3Store.Stored stored) {
        return UploadState.of(stored.metadata()).orElseThrow(() -> new S3Failure(S3Failure.Kind.UPSTREAM,
                "The state of the upload of " + upload.object() + " is not one the broker wrote"));
    }

    /** Without a multipart upload: finished (its object is there; a state left behind goes now), or gone (404). */
    Uni<Status> finished(Upload upload) {
        return ifExists(() -> s3.head(upload.object(), upload.scope())).flatMap(object -> {
            Uni<Void> tidy = upload.whole() ? Uni.createFrom().voidItem() : removeState(upload);
            return tidy.map(ignored -> object.map(stored -> new Status(stored.size(), stored.size(), Optional.empty(), true))
                    .orElseThrow(TusStore::noSuchUpload));
        });
    }

    /** A multipart upload without its state (its creation broke off): it goes, and the upload is not found. */
    private <T> Uni<T> orphan(Upload upload) {
        return abort(upload).flatMap(ignored -> Uni.createFrom().failure(noSuchUpload()));
    }

    /** Termination: the multipart upload aborted, then its state removed; 404 when there was none to abort. */
    Uni<Void> terminate(Upload upload) {
        if (upload.whole()) {
            return Uni.createFrom().failure(noSuchUpload());
        }
        return uni(() -> upload.scope().cache().get()).flatMap(signer -> {
            audit.granted(upload.caller(), "tus-terminate", upload.object().bucket(), upload.object().key(), null,
                    signer.credentials().accessKeyId());
            return uni(() -> s3.abortMultipartUpload(upload.object(), upload.id().uploadId(), upload.scope()))
                    .map(ignored -> true).onFailure(TusStore::missing).recoverWithItem(false)
                    .call(ignored -> removeState(upload))
                    .map(aborted -> {
                        if (!aborted) {
                            throw noSuchUpload();
                        }
                        return null;
                    });
        });
    }

    /**
     * Removes every trace of an upload whose time is up: its multipart upload (if still there), then its state. Abort
     * first: a request that keeps a tail after the abort finds the upload gone and removes that tail itself.
     */
    Uni<Void> remove(Upload upload) {
        if (upload.whole()) {
            return Uni.createFrom().voidItem();
        }
        return abort(upload).call(ignored -> removeState(upload));
    }

    /** AbortMultipartUpload; an upload S3 no longer knows is as good. */
    Uni<Void> abort(Upload upload) {
        return uni(() -> s3.abortMultipartUpload(upload.object(), upload.id().uploadId(), upload.scope()))
                .onFailure(TusStore::missing).recoverWithNull().replaceWithVoid();
    }

    /**
     * Removes the state object, with the caller's credentials that may delete its states and nothing else; a failure
     * is logged, not answered: the upload itself is already finished or gone.
     */
    Uni<Void> removeState(Upload upload) {
        ScopeCredentials deleting = credentials.forScope(Scope.of(new Grant(Access.DELETE, upload.state().bucket(),
                keys.callerPrefix(upload.caller()) + STATE_DIR), session));
        return uni(() -> s3.deleteObject(upload.state(), deleting)).onFailure().recoverWithItem(e -> {
            LOG.errorf("Could not remove the state %s of a finished or ended upload; a lifecycle rule must: %s",
                    upload.state(), e.toString());
            return null;
        }).replaceWithVoid();
    }

    WriteTarget stateTarget(Upload upload) {
        return new WriteTarget(upload.state(), Optional.of(OCTET_STREAM), Optional.empty(), upload.stateScope());
    }

    /** A call whose "no such key or upload" is an empty answer rather than a failure. */
    static <T> Uni<Optional<T>> ifExists(Supplier<CompletableFuture<T>> call) {
        return uni(call).map(Optional::ofNullable).onFailure(TusStore::missing).recoverWithItem(Optional.empty());
    }

    static boolean missing(Throwable failure) {
        return S3Errors.unwrap(failure) instanceof S3Failure s3 && s3.kind() == S3Failure.Kind.NO_SUCH_KEY;
    }

    static <T> Uni<T> uni(Supplier<CompletableFuture<T>> call) {
        return Uni.createFrom().completionStage(call);
    }

    static BrokerException noSuchUpload() {
        return new BrokerException(ErrorCode.NOT_FOUND, "No such upload");
    }
}
