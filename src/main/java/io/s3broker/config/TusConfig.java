package io.s3broker.config;

import java.time.Duration;
import java.util.Optional;

import org.hibernate.validator.constraints.time.DurationMin;

import io.smallrye.config.WithDefault;

/**
 * Resumable uploads: the tus protocol 1.0.0 under {@code /files/}, every byte streamed into a multipart upload and
 * every bit of an upload's state kept in S3 beside it, so that any replica continues any upload
 * (docs/decisions/0030-resumable-upload-state-in-s3.md). Off (404) while {@link #bucket()} is unset.
 */
public interface TusConfig {
    /** The bucket resumable uploads go to, in {@code broker.region}; callers need write access to their keys. */
    Optional<String> bucket();

    /**
     * Where the keys go: {@code <key-prefix with the caller's key segment for {caller}><random id>-<file name made
     * safe>}, each upload's state beside them under {@code .tus/}. Ends with {@code /} and holds {@code {caller}}
     * as a whole segment, which the caller's write allow-list must cover.
     */
    @WithDefault("tus/{caller}/")
    String keyPrefix();

    /**
     * How long after its creation an upload may take to finish: then it answers 410, and the broker aborts its
     * multipart upload and removes its state (the request that finds it expired, or the sweep every replica runs).
     */
    @WithDefault("24H")
    @DurationMin(seconds = 1, message = "must be at least 1 second")
    Duration expiry();
}
