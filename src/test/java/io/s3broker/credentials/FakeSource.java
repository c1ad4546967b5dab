package io.s3broker.credentials;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;

import software.amazon.awssdk.auth.credentials.AwsSessionCredentials;

/** A stand-in for STS whose fetches the test completes by hand, with credentials that expire on its clock. */
final class FakeSource implements CredentialsSource {

    private final MutableClock clock;
    private final Duration lifetime;
    final List<CompletableFuture<AwsSessionCredentials>> fetches = new CopyOnWriteArrayList<>();

    FakeSource(MutableClock clock, Duration lifetime) {
        this.clock = clock;
        this.lifetime = lifetime;
    }

    @Override
    public CompletionStage<AwsSessionCredentials> fetch() {
        CompletableFuture<AwsSessionCredentials> fetch = new CompletableFuture<>();
        fetches.add(fetch);
        return fetch;
    }

    int calls() {
        return fetches.size();
    }

    /** Answers the newest fetch with credentials named {@code key}, valid for the lifetime from now. */
    AwsSessionCredentials succeed(String key) {
        AwsSessionCredentials credentials = AwsSessionCredentials.builder()
                .accessKeyId(key)
                .secretAccessKey("secret-" + key)
                .sessionToken("token-" + key)
                .expirationTime(clock.instant().plus(lifetime))
                .build();
        last().complete(credentials);
        return credentials;
    }

    void fail(String message) {
        last().completeExceptionally(new IllegalStateException(message));
    }

    /** Fails the newest fetch the way a source that asks to slow down does. */
    void throttle() {
        last().completeExceptionally(new Throttled());
    }

    @Override
    public boolean throttled(Throwable failure) {
        return failure instanceof Throttled;
    }

    static final class Throttled extends RuntimeException {
        Throttled() {
            super("Throttling: Rate exceeded");
        }
    }

    private CompletableFuture<AwsSessionCredentials> last() {
        return fetches.get(fetches.size() - 1);
    }
}
