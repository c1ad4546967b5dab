package io.s3broker.credentials;

import java.util.concurrent.CompletionStage;

import software.amazon.awssdk.auth.credentials.AwsSessionCredentials;

/** Where fresh temporary credentials come from: STS in production, a fake in the cache's unit tests. */
@FunctionalInterface
public interface CredentialsSource {

    /** Starts one fetch; the credentials must carry their expiration time. Must not block the caller. */
    CompletionStage<AwsSessionCredentials> fetch();

    /** Whether a fetch failed because the source asks callers to slow down (STS's Throttling). */
    default boolean throttled(Throwable failure) {
        return false;
    }
}
