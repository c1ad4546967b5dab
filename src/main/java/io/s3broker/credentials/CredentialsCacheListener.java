package io.s3broker.credentials;

import java.time.Duration;

/** What the cache reports, so that logging and metrics stay out of its logic. */
public interface CredentialsCacheListener {

    void refreshed(CachedCredentials credentials, Duration took);

    /**
     * A refresh failed.
     *
     * @param consecutiveFailures failures in a row, this one included
     * @param retryIn how long the cache waits before it calls STS again
     * @param stillServing whether still-valid credentials keep being served meanwhile
     */
    void refreshFailed(Throwable cause, int consecutiveFailures, Duration retryIn, boolean stillServing);

    CredentialsCacheListener NONE = new CredentialsCacheListener() {
        @Override
        public void refreshed(CachedCredentials credentials, Duration took) {
        }

        @Override
        public void refreshFailed(Throwable cause, int consecutiveFailures, Duration retryIn, boolean stillServing) {
        }
    };
}
