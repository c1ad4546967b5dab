package io.s3broker.credentials;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;

import software.amazon.awssdk.auth.credentials.AwsSessionCredentials;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.retry.RetryUtils;
import software.amazon.awssdk.services.sts.StsAsyncClient;
import software.amazon.awssdk.services.sts.model.AssumeRoleRequest;
import software.amazon.awssdk.services.sts.model.Credentials;

/** Fetches one scope's temporary credentials with one AssumeRole call, narrowed by the scope's session policy. */
public final class StsCredentialsSource implements CredentialsSource {

    private final StsAsyncClient sts;
    private final AssumeRoleRequest request;
    private final Duration timeout;
    /** Runs the call's start; see {@link #fetch()}. */
    private final Executor starter;

    public StsCredentialsSource(StsAsyncClient sts, String roleArn, Scope scope, String sessionName, String policy, Duration timeout,
            Executor starter) {
        this.sts = sts;
        this.timeout = timeout;
        this.starter = starter;
        this.request = AssumeRoleRequest.builder()
                .roleArn(roleArn)
                // CloudTrail shows this name next to every S3 call made with the credentials.
                .roleSessionName(sessionName)
                .policy(policy)
                .durationSeconds(Math.toIntExact(scope.sessionDuration().toSeconds()))
                .overrideConfiguration(o -> o.apiCallTimeout(timeout))
                .build();
    }

    /**
     * The async client resolves the broker's own keys on the calling thread before it sends anything, and some
     * links of the default chain do blocking I/O there (profile files, the instance metadata service). So the
     * call starts on a worker thread, never on the event loop that asked for credentials.
     */
    @Override
    public CompletionStage<AwsSessionCredentials> fetch() {
        return CompletableFuture.supplyAsync(() -> sts.assumeRole(request), starter)
                .thenCompose(call -> call)
                // Belt and braces over the SDK's own apiCallTimeout: a fetch that never ends would wedge the cache.
                .orTimeout(timeout.toMillis() + 1_000, TimeUnit.MILLISECONDS)
                .thenApply(response -> toSessionCredentials(response.credentials()));
    }

    /** The SDK's own list of throttling answers (STS's is HTTP 400 with the code Throttling). */
    @Override
    public boolean throttled(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof SdkException sdk && RetryUtils.isThrottlingException(sdk)) {
                return true;
            }
        }
        return false;
    }

    private static AwsSessionCredentials toSessionCredentials(Credentials credentials) {
        return AwsSessionCredentials.builder()
                .accessKeyId(credentials.accessKeyId())
                .secretAccessKey(credentials.secretAccessKey())
                .sessionToken(credentials.sessionToken())
                .expirationTime(credentials.expiration())
                .build();
    }
}
