package io.s3broker.credentials;

import java.util.concurrent.CompletableFuture;

import software.amazon.awssdk.identity.spi.AwsCredentialsIdentity;
import software.amazon.awssdk.identity.spi.IdentityProvider;
import software.amazon.awssdk.identity.spi.ResolveIdentityRequest;

/**
 * Hands the cache's credentials to the async S3 clients through the SDK's asynchronous identity API, so that a
 * request waits for a refresh by composition, never by blocking a thread. The SDK asks once per HTTP request
 * (each part of a multipart upload included), so long uploads pick up refreshed credentials as they go.
 */
public final class CachedCredentialsProvider implements IdentityProvider<AwsCredentialsIdentity> {

    private final CredentialsCache cache;

    public CachedCredentialsProvider(CredentialsCache cache) {
        this.cache = cache;
    }

    @Override
    public Class<AwsCredentialsIdentity> identityType() {
        return AwsCredentialsIdentity.class;
    }

    @Override
    public CompletableFuture<AwsCredentialsIdentity> resolveIdentity(ResolveIdentityRequest request) {
        return cache.get().thenApply(CachedCredentials::credentials);
    }
}
