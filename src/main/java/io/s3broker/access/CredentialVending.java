package io.s3broker.access;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

import jakarta.inject.Singleton;

import io.s3broker.auth.Caller;
import io.s3broker.config.BrokerConfig;
import io.s3broker.credentials.Access;
import io.s3broker.credentials.Grant;
import io.s3broker.credentials.Scope;
import io.s3broker.credentials.ScopeCredentials;
import io.s3broker.credentials.ScopedCredentials;
import io.smallrye.mutiny.Uni;
import software.amazon.awssdk.auth.credentials.AwsSessionCredentials;

/**
 * Temporary credentials handed to a caller (POST /credentials, GET /s3/sts): from sessions of their own (vended
 * scopes, so each caller's show under its own session name), audited, and shared by a caller's requests while they
 * have at least half their life left, so that vending costs no AssumeRole per call. The routes answer 404 unless
 * {@link #enabled()} ({@code broker.credentials.enabled}).
 */
@Singleton
public class CredentialVending {

    /** One vended set; a secret, so its {@code toString} shows none. */
    public record Vended(String accessKeyId, String secretAccessKey, String sessionToken, Instant expiration) {

        @Override
        public String toString() {
            return "Vended[accessKeyId=" + accessKeyId + ", expiration=" + expiration + "]";
        }
    }

    private final AccessPolicy access;
    private final ScopedCredentials credentials;
    private final Audit audit;
    private final boolean enabled;
    private final Duration sessionDuration;
    private final Duration minimumValidity;

    public CredentialVending(AccessPolicy access, ScopedCredentials credentials, Audit audit, BrokerConfig config) {
        this.access = access;
        this.credentials = credentials;
        this.audit = audit;
        this.enabled = config.credentials().enabled();
        this.sessionDuration = config.credentials().duration();
        this.minimumValidity = sessionDuration.dividedBy(2);
    }

    /** Credentials scoped to the caller's whole allow-lists. */
    public Uni<Vended> forAllowLists(Caller caller) {
        requireEnabled();
        return vend(caller, "vend", access.vending(caller));
    }

    /**
     * Credentials that may write under {@code prefix} of {@code bucket} and nothing else (no read, no other key),
     * when the caller's write allow-list covers that whole prefix; 403 otherwise, before any STS call.
     */
    public Uni<Vended> forPrefix(Caller caller, String action, String bucket, String prefix) {
        requireEnabled();
        // The key equal to the prefix matches only an entry that covers every key under it.
        access.authorize(caller, Access.WRITE, action, bucket, prefix);
        return vend(caller, action, credentials.forScope(new Scope(List.of(new Grant(Access.WRITE, bucket, prefix)),
                caller.name(), sessionDuration)));
    }

    /** The caller's entries as its vended credentials have them: templated ones with its own key segment. */
    public List<String> entries(Caller caller, Access kind) {
        return access.list(caller, kind).grants(caller).stream().map(Grant::entry).toList();
    }

    public boolean enabled() {
        return enabled;
    }

    private void requireEnabled() {
        if (!enabled) {
            throw new IllegalStateException("Credential vending is off");
        }
    }

    private Uni<Vended> vend(Caller caller, String action, ScopeCredentials scope) {
        return Uni.createFrom().completionStage(() -> scope.cache().get(minimumValidity)).map(cached -> {
            AwsSessionCredentials session = cached.credentials();
            audit.granted(caller, action, "-", scope.sessionName(), cached.expiresAt(), session.accessKeyId());
            return new Vended(session.accessKeyId(), session.secretAccessKey(), session.sessionToken(),
                    cached.expiresAt());
        });
    }
}
