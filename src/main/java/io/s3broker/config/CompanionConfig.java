package io.s3broker.config;

import java.time.Duration;
import java.util.Optional;

import org.hibernate.validator.constraints.time.DurationMin;

import io.smallrye.config.WithDefault;

/**
 * The Companion-compatible API under {@code /s3} and the page {@code /upload}, for browsers that send their
 * files straight to S3 with Uppy: off (404) while {@link #bucket()} is unset.
 */
public interface CompanionConfig {
    /** The bucket browser uploads go to, in {@code broker.region}; callers need write access to their keys. */
    Optional<String> bucket();

    /**
     * Where the keys go: {@code <key-prefix with the caller's key segment for {caller}><random id>-<file name made
     * safe>}. Ends with {@code /} and holds {@code {caller}} as a whole segment, so that a templated write entry
     * ({@code bucket/uploads/{caller}/}) gives each caller's uploads a scope of their own.
     */
    @WithDefault("uploads/{caller}/")
    String keyPrefix();

    /**
     * With it, the broker aborts the multipart uploads it created that are older than this (checked about every
     * tenth of it, at least every 5 minutes); off while unset. A bucket lifecycle rule covers those a restart
     * forgets.
     */
    Optional<@DurationMin(seconds = 1, message = "must be at least 1 second") Duration> abandonedAfter();

    /**
     * Whose credentials sign the POST policy of a simple upload ({@code GET /s3/params}): {@code scope}, those
     * of the caller's write scope, narrowed by its session policy; or {@code role}, a session of the role without
     * a session policy, whose form's policy alone then holds the key, type and size (S3 enforces it either way).
     * {@code role} is for Ceph RGW 16, which answers 204 and stores nothing for a POST signed by a session with a
     * session policy (docs/decisions/0021-post-policy-uploads.md).
     */
    @WithDefault("scope")
    PostSigner postSigner();

    enum PostSigner {
        SCOPE,
        ROLE
    }
}
