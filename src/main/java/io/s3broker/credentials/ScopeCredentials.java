package io.s3broker.credentials;

/**
 * The credentials cache of one scope, and the same credentials as the SDK's asynchronous identity provider: S3
 * requests name it in their override configuration, so each call is signed with its own scope's credentials.
 */
public record ScopeCredentials(Scope scope, CredentialsCache cache, CachedCredentialsProvider provider) {
}
