package io.s3broker.credentials;

/**
 * The credentials cache of one scope, and the same credentials as the SDK's asynchronous identity provider: S3
 * requests name it in their override configuration, so each call is signed with its own scope's credentials.
 *
 * @param sessionName the RoleSessionName of the scope's AssumeRole calls, as CloudTrail shows it
 */
public record ScopeCredentials(Scope scope, String sessionName, CredentialsCache cache, CachedCredentialsProvider provider) {
}
