package io.s3broker.credentials;

import java.time.Duration;
import java.time.Instant;

import software.amazon.awssdk.auth.credentials.AwsSessionCredentials;

/**
 * One set of temporary credentials and the two instants the cache decides by: from {@code prefetchAt} on a
 * background refresh starts; at {@code expiresAt} STS stops honouring them.
 *
 * @param credentials the role's key, secret and session token (their {@code toString} shows no secret)
 * @param expiresAt when STS says the credentials expire
 * @param prefetchAt when a refresh should start, ahead of expiry
 */
public record CachedCredentials(AwsSessionCredentials credentials, Instant expiresAt, Instant prefetchAt) {

    /** True when the credentials stay valid for at least {@code margin} after {@code now}. */
    public boolean validFor(Instant now, Duration margin) {
        return expiresAt.isAfter(now.plus(margin));
    }

    public Duration remaining(Instant now) {
        return Duration.between(now, expiresAt);
    }

    @Override
    public String toString() {
        return "CachedCredentials[accessKeyId=" + credentials.accessKeyId() + ", expiresAt=" + expiresAt + "]";
    }
}
