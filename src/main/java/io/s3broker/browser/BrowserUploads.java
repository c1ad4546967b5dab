package io.s3broker.browser;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.ws.rs.NotFoundException;

import org.jboss.logging.Logger;

import io.quarkus.runtime.StartupEvent;
import io.s3broker.access.AccessDenied;
import io.s3broker.access.AccessPolicy;
import io.s3broker.access.Audit;
import io.s3broker.access.UploadKeys;
import io.s3broker.auth.Caller;
import io.s3broker.browser.BrowserAnswers.CompletedUpload;
import io.s3broker.browser.BrowserAnswers.CreatedUpload;
import io.s3broker.browser.BrowserAnswers.UploadedPart;
import io.s3broker.config.BrokerConfig;
import io.s3broker.config.CompanionConfig;
import io.s3broker.credentials.Access;
import io.s3broker.credentials.CachedCredentials;
import io.s3broker.credentials.Scope;
import io.s3broker.credentials.ScopeCredentials;
import io.s3broker.credentials.ScopedCredentials;
import io.s3broker.logging.LogText;
import io.s3broker.rest.error.BrokerException;
import io.s3broker.rest.error.ErrorCode;
import io.s3broker.s3.ObjectLocation;
import io.s3broker.s3.OpenUploads;
import io.s3broker.s3.PresignedPost;
import io.s3broker.s3.PresignedUrl;
import io.s3broker.s3.S3Store;
import io.s3broker.s3.UrlPresigner;
import io.s3broker.s3.WriteTarget;
import io.smallrye.mutiny.Uni;
import software.amazon.awssdk.services.s3.model.CompletedPart;

/**
 * Browser uploads straight to S3, behind the broker's rules: keys the broker chooses under the caller's own prefix
 * ({@link UploadKeys}), requests on an upload only from the caller whose key it is ({@link #owned}), the write
 * allow-list before any STS or S3 call, the scope's credentials, {@code broker.upload.max-size}, and every S3 call
 * through {@link S3Store}. The Companion routes and POST /s3/sign are thin resources over it. Off (404) while
 * {@code broker.companion.bucket} is unset. Why and how: docs/decisions/0015-companion-api.md,
 * docs/decisions/0021-post-policy-uploads.md
 */
@ApplicationScoped
public class BrowserUploads {

    private static final Logger LOG = Logger.getLogger(BrowserUploads.class);

    /** A request on an existing upload, checked: the key is the caller's, the upload the key's. */
    public record Owned(Caller caller, ObjectLocation object, String uploadId, ScopeCredentials scope) {
    }

    /** A new object: its key, chosen by the broker, and the scope allowed to write it. */
    public record NewObject(Caller caller, ObjectLocation object, ScopeCredentials scope) {
    }

    private final AccessPolicy access;
    private final UrlPresigner presigner;
    private final S3Store store;
    private final OpenUploads open;
    private final Audit audit;
    private final ScopedCredentials credentials;
    private final Optional<String> bucket;
    private final String region;
    private final UploadKeys keys;
    private final String keyPrefix;
    private final Duration expiry;
    private final Optional<String> acl;
    private final long maxSize;
    private final boolean postByRole;
    private final Duration roleSession;

    public BrowserUploads(AccessPolicy access, UrlPresigner presigner, S3Store store, OpenUploads open, Audit audit,
            ScopedCredentials credentials, BrokerConfig config) {
        this.access = access;
        this.presigner = presigner;
        this.store = store;
        this.open = open;
        this.audit = audit;
        this.credentials = credentials;
        this.bucket = config.companion().bucket();
        this.region = config.region();
        this.keyPrefix = config.companion().keyPrefix();
        this.keys = new UploadKeys(keyPrefix);
        this.expiry = config.presign().defaultExpiry();
        this.acl = config.upload().acl();
        this.maxSize = config.upload().maxSize().asLongValue();
        this.postByRole = config.companion().postSigner() == CompanionConfig.PostSigner.ROLE;
        this.roleSession = config.roleSessionDuration();
    }

    void checkScopes(@Observes StartupEvent event) {
        bucket.ifPresent(this::warnOfSharedScopes);
    }

    /** Browser uploads under a literal write entry share one scope: only the broker, not S3, keeps callers apart. */
    private void warnOfSharedScopes(String target) {
        for (Caller caller : access.configuredCallers()) {
            if (!access.ownScope(caller, Access.WRITE, target, keys.callerPrefix(caller) + "x")) {
                LOG.warnf("Browser uploads of caller %s to %s/%s go under a literal write entry, whose credentials"
                        + " every caller of that entry shares: make it a templated one (%s/%s)",
                        LogText.escape(caller.name()), target, keys.callerPrefix(caller), target, keyPrefix);
            }
        }
    }

    /** The bucket browser uploads go to; 404 while there is none. */
    public String bucket() {
        return bucket.orElseThrow(NotFoundException::new);
    }

    public String region() {
        return region;
    }

    /** Where {@code caller}'s uploads go: its own prefix. */
    public String callerPrefix(Caller caller) {
        return keys.callerPrefix(caller);
    }

    public Optional<String> acl() {
        return acl;
    }

    /** A new key for {@code filename} under the caller's prefix, allowed by its write allow-list (else 403). */
    public NewObject newObject(Caller caller, String action, String filename) {
        String target = bucket();
        ObjectLocation object = new ObjectLocation(region, target, keys.newKey(caller, filename));
        return new NewObject(caller, object, access.authorize(caller, Access.WRITE, action, target, object.key()));
    }

    /**
     * An S3 POST policy for {@code object}: S3 takes the file only with this key and type and at most
     * {@code broker.upload.max-size} bytes. A form's fields, unlike a presigned URL's headers, pass a CORS preflight
     * at RGW (docs/decisions/0021-post-policy-uploads.md).
     */
    public Uni<PresignedPost> postPolicy(NewObject upload, String action, Optional<String> contentType) {
        ScopeCredentials signing = postByRole ? credentials.forScope(Scope.unrestricted(roleSession)) : upload.scope();
        return signer(signing).map(signer -> {
            PresignedPost post = presigner.presignPost(upload.object(), contentType, acl, maxSize, signer, expiry);
            audit.granted(upload.caller(), action, upload.object().bucket(), upload.object().key(), post.expiresAt(),
                    signer.credentials().accessKeyId());
            return post;
        });
    }

    /** Starts a multipart upload the browser sends the parts of. */
    public Uni<CreatedUpload> create(NewObject upload, Optional<String> contentType) {
        ObjectLocation object = upload.object();
        return signer(upload.scope())
                .flatMap(signer -> uni(() -> store.createMultipartUpload(new WriteTarget(object, contentType, acl,
                        upload.scope()))).invoke(uploadId -> {
                            open.created(uploadId, upload.caller().name(), object, upload.scope());
                            audit.granted(upload.caller(), "companion-create", object.bucket(), object.key(), null,
                                    signer.credentials().accessKeyId());
                        }))
                .map(uploadId -> new CreatedUpload(object.key(), uploadId, object.bucket()));
    }

    /**
     * The caller may act on {@code uploadId} of {@code key} only if the key is one the broker made for it, the write
     * allow-list still covers it, and, when this broker knows the upload, the upload is that key's and that caller's
     * (otherwise S3 itself refuses an uploadId that is not the key's). 403 otherwise, before any S3 call.
     */
    public Owned owned(Caller caller, String action, String uploadId, String key) {
        String target = bucket();
        String id = BrowserInput.uploadId(uploadId);
        if (key == null || key.isEmpty()) {
            throw BrokerException.missing("key");
        }
        if (!keys.isOwnKey(caller, key)) {
            audit.denied(caller, action, target, key, "not a key of this caller's uploads");
            throw new AccessDenied("Access denied: the key is not one of caller '" + caller.name() + "''s uploads");
        }
        ObjectLocation object = new ObjectLocation(region, target, key);
        ScopeCredentials scope = access.authorize(caller, Access.WRITE, action, target, key);
        open.find(id).ifPresent(known -> {
            if (!known.owner().equals(caller.name()) || !known.object().equals(object)) {
                audit.denied(caller, action, target, key, "the upload belongs to another key");
                throw new AccessDenied("Access denied: upload " + id + " is not an upload of this key");
            }
        });
        return new Owned(caller, object, id, scope);
    }

    /** The parts S3 holds, to resume. */
    public Uni<List<UploadedPart>> parts(Owned upload) {
        return uni(() -> store.listParts(upload.object(), upload.uploadId(), 0, upload.scope()))
                .invoke(ignored -> open.checked(upload.uploadId(), upload.caller().name(), upload.object(),
                        upload.scope()))
                .map(parts -> parts.stream()
                        .map(p -> new UploadedPart(p.partNumber(), p.etag(), p.size(), p.lastModified())).toList());
    }

    /**
     * Part URLs, signed by the scope's credentials. An upload this broker does not know yet (created before a
     * restart, by another replica, or by the browser itself through POST /s3/sign) is first checked with S3, once.
     */
    public Uni<List<PresignedUrl>> signParts(Owned upload, List<Integer> numbers, String action) {
        Uni<Void> known = open.find(upload.uploadId()).isPresent() ? Uni.createFrom().voidItem()
                : uni(() -> store.listParts(upload.object(), upload.uploadId(), 1, upload.scope()))
                        .invoke(ignored -> open.checked(upload.uploadId(), upload.caller().name(), upload.object(),
                                upload.scope()))
                        .replaceWithVoid();
        return known.flatMap(ignored -> signer(upload.scope())).map(signer -> {
            List<PresignedUrl> urls = new ArrayList<>(numbers.size());
            for (int number : numbers) {
                urls.add(presigner.presignUploadPart(upload.object(), upload.uploadId(), number, signer, expiry));
            }
            audit.granted(upload.caller(), action, upload.object().bucket(), upload.object().key()
                    + " parts " + BrowserInput.summary(numbers), urls.get(0).expiresAt(),
                    signer.credentials().accessKeyId());
            return urls;
        });
    }

    /** Assembles the parts, when they add up to at most {@code broker.upload.max-size} (by what S3 holds). */
    public Uni<CompletedUpload> complete(Owned upload, List<CompletedPart> parts) {
        return signer(upload.scope())
                .flatMap(signer -> uni(() -> store.listParts(upload.object(), upload.uploadId(), 0, upload.scope()))
                        .flatMap(held -> withinMaxSize(upload, parts, held))
                        .flatMap(ignored -> uni(() -> store.completeMultipartUpload(upload.object(),
                                upload.uploadId(), parts, upload.scope())).map(S3Store.Completed::location))
                        .invoke(location -> {
                            open.ended(upload.uploadId());
                            audit.granted(upload.caller(), "companion-complete", upload.object().bucket(),
                                    upload.object().key(), null, signer.credentials().accessKeyId());
                        }))
                .map(location -> new CompletedUpload(location, upload.object().key(), upload.object().bucket()));
    }

    /**
     * Passes when every part to assemble is the one S3 holds (same ETag, so that none is swapped for a larger one
     * before the call) and they add up to at most {@code broker.upload.max-size}; otherwise the upload is aborted,
     * leaving nothing, and the answer is 413 (or 400 for a part S3 does not hold).
     */
    private Uni<Void> withinMaxSize(Owned upload, List<CompletedPart> parts, List<S3Store.Part> held) {
        long size = BrowserInput.heldSize(parts, held);
        if (size <= maxSize) {
            return Uni.createFrom().voidItem();
        }
        audit.denied(upload.caller(), "companion-complete", upload.object().bucket(), upload.object().key(),
                "parts of " + size + " bytes, over broker.upload.max-size");
        return uni(() -> store.abortMultipartUpload(upload.object(), upload.uploadId(), upload.scope()))
                .invoke(ignored -> open.ended(upload.uploadId()))
                .map(ignored -> {
                    throw new BrokerException(ErrorCode.PAYLOAD_TOO_LARGE, "The parts add up to " + size
                            + " bytes, over broker.upload.max-size (" + maxSize + " bytes): the upload is aborted");
                });
    }

    /** Aborts the upload and drops its parts. */
    public Uni<Void> abort(Owned upload) {
        return signer(upload.scope())
                .flatMap(signer -> uni(() -> store.abortMultipartUpload(upload.object(), upload.uploadId(),
                        upload.scope()))
                        .invoke(ignored -> {
                            open.ended(upload.uploadId());
                            audit.granted(upload.caller(), "companion-abort", upload.object().bucket(),
                                    upload.object().key(), null, signer.credentials().accessKeyId());
                        }));
    }

    /** Credentials of the scope that cover a URL of the default lifetime if they can (a URL never outlives them). */
    public Uni<CachedCredentials> signer(ScopeCredentials scope) {
        return Uni.createFrom().completionStage(() -> scope.cache().get(expiry));
    }

    public Duration expiry() {
        return expiry;
    }

    public long secondsUntil(Instant expiresAt) {
        return Math.max(0, Duration.between(Instant.now(), expiresAt).toSeconds());
    }

    private static <T> Uni<T> uni(Supplier<CompletionStage<T>> call) {
        return Uni.createFrom().completionStage(call);
    }
}
