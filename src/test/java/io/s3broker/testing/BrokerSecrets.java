package io.s3broker.testing;

import static org.junit.jupiter.api.Assertions.assertFalse;

import java.util.ArrayList;
import java.util.List;

import io.quarkus.arc.Arc;
import io.s3broker.credentials.CachedCredentials;
import io.s3broker.credentials.ScopeCredentials;
import io.s3broker.credentials.ScopedCredentials;
import software.amazon.awssdk.auth.credentials.AwsSessionCredentials;

/** The secrets a test must never find in what the broker answers, exports or logs. */
public final class BrokerSecrets {

    private BrokerSecrets() {
    }

    /** The temporary credentials of every scope the broker under test (in this JVM) holds now. */
    public static List<AwsSessionCredentials> sessions() {
        ScopedCredentials scopes = Arc.container().instance(ScopedCredentials.class).get();
        List<AwsSessionCredentials> sessions = scopes.all().stream().map(ScopeCredentials::cache)
                .flatMap(cache -> cache.peek().stream()).map(CachedCredentials::credentials).toList();
        assertFalse(sessions.isEmpty(), "the broker holds no session credentials yet: nothing to look for");
        return sessions;
    }

    /** What a test knows without the broker's beans: its long-term key, the bucket owner's, the callers' API key. */
    public static List<String> known() {
        return List.of(LocalS3Sts.get("AWS_SECRET_ACCESS_KEY"), LocalS3Sts.get("LOCAL_S3STS_ADMIN_SECRET_KEY"),
                TestAuth.KEY);
    }

    /** {@link #known()} and the secret key and session token of every scope of the broker in this JVM. */
    public static List<String> all() {
        List<String> secrets = new ArrayList<>(known());
        for (AwsSessionCredentials session : sessions()) {
            secrets.add(session.secretAccessKey());
            secrets.add(session.sessionToken());
        }
        return secrets;
    }
}
