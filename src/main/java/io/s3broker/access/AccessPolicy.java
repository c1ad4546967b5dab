package io.s3broker.access;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;

import io.quarkus.runtime.StartupEvent;
import io.s3broker.auth.Caller;
import io.s3broker.config.BrokerConfig;
import io.s3broker.credentials.Access;
import io.s3broker.credentials.Grant;
import io.s3broker.credentials.Scope;
import io.s3broker.credentials.ScopeCredentials;
import io.s3broker.credentials.ScopedCredentials;
import io.s3broker.credentials.SessionPolicy;

/**
 * Which caller may read or write which keys, from the allow-lists ({@code broker.access.read} / {@code .write}, or a
 * caller's own {@code broker.access.callers."NAME".read} / {@code .write}), checked before any STS or S3 call; and the
 * scoped credentials a granted request uses.
 */
@Singleton
public class AccessPolicy {

    private final AllowList defaultRead;
    private final AllowList defaultWrite;
    private final Map<String, AllowList[]> perCaller = new HashMap<>();
    private final ScopedCredentials credentials;
    private final Audit audit;
    private final BrokerConfig config;

    public AccessPolicy(BrokerConfig config, ScopedCredentials credentials, Audit audit) {
        this.config = config;
        this.credentials = credentials;
        this.audit = audit;
        this.defaultRead = AllowList.parse(Access.READ, config.access().read().orElse(List.of()), "broker.access.read");
        this.defaultWrite = AllowList.parse(Access.WRITE, config.access().write().orElse(List.of()), "broker.access.write");
        config.access().callers().forEach((name, lists) -> {
            String prefix = "broker.access.callers.\"" + name + "\".";
            // A caller's own list replaces the default one; a list it does not name stays the default.
            AllowList read = lists.read().map(r -> AllowList.parse(Access.READ, r, prefix + "read")).orElse(defaultRead);
            AllowList write = lists.write().map(w -> AllowList.parse(Access.WRITE, w, prefix + "write")).orElse(defaultWrite);
            perCaller.put(name, new AllowList[] { read, write });
        });
        checkPolicySizes();
    }

    /**
     * The credentials of the scope that allows {@code access} to {@code key} of {@code bucket}: the most specific
     * matching entry of the caller's list.
     *
     * @throws AccessDenied when no entry covers it (audited)
     */
    public ScopeCredentials authorize(Caller caller, Access access, String action, String bucket, String key) {
        Grant grant = list(caller, access).match(caller, bucket, key).orElse(null);
        if (grant == null) {
            audit.denied(caller, action, bucket, key, "not in the " + access.name().toLowerCase(java.util.Locale.ROOT)
                    + " allow-list");
            throw new AccessDenied("Access denied: caller '" + caller.name() + "' may not "
                    + (access == Access.READ ? "read" : "write") + " s3://" + bucket + "/" + key);
        }
        return credentials.forScope(Scope.of(grant, config.roleSessionDuration()));
    }

    public AllowList list(Caller caller, Access access) {
        AllowList[] own = perCaller.get(caller.name());
        if (own != null) {
            return access == Access.READ ? own[0] : own[1];
        }
        return access == Access.READ ? defaultRead : defaultWrite;
    }

    /**
     * Whether {@code key} of {@code bucket}, if {@code caller} may reach it at all, is reached through a templated
     * entry: a scope of that caller's own, which no other caller's credentials share.
     */
    public boolean ownScope(Caller caller, Access access, String bucket, String key) {
        return list(caller, access).matchEntry(caller, bucket, key).map(AllowList.Entry::templated).orElse(true);
    }

    /** The callers the configuration names lists for, and one that stands for every other caller. */
    public List<Caller> configuredCallers() {
        List<Caller> callers = new ArrayList<>(perCaller.keySet().stream().sorted().map(Caller::new).toList());
        callers.add(new Caller("(any other caller)"));
        return callers;
    }

    /** Credentials to hand to the caller: scoped to its whole allow-list, from short sessions of their own. */
    public ScopeCredentials vending(Caller caller) {
        List<Grant> grants = new ArrayList<>(list(caller, Access.READ).grants(caller));
        grants.addAll(list(caller, Access.WRITE).grants(caller));
        if (grants.isEmpty()) {
            audit.denied(caller, "vend", "-", "-", "empty allow-lists");
            throw new AccessDenied("Access denied: caller '" + caller.name() + "' has no allow-list entry");
        }
        return credentials.forScope(new Scope(grants, caller.name(), config.credentials().duration()));
    }

    /**
     * The scopes of the literal entries, so that start-up can fetch their credentials before the first request. A
     * templated entry is a scope per caller, known only when that caller comes.
     */
    public List<Scope> configuredScopes() {
        List<Scope> scopes = new ArrayList<>();
        lists().stream().flatMap(l -> l.literalGrants().stream()).distinct()
                .forEach(grant -> scopes.add(Scope.of(grant, config.roleSessionDuration())));
        return scopes;
    }

    private List<AllowList> lists() {
        List<AllowList> lists = new ArrayList<>(List.of(defaultRead, defaultWrite));
        perCaller.values().forEach(pair -> lists.addAll(List.of(pair)));
        return lists;
    }

    void prefetch(@Observes StartupEvent event) {
        if (config.prefetchOnStart()) {
            credentials.probe().cache().refreshInBackground();
            configuredScopes().forEach(scope -> credentials.forScope(scope).cache().refreshInBackground());
        }
    }

    /**
     * STS refuses session policies over its limit: better to learn that at start-up than at the first request.
     * Templated entries are sized for the longest key segment a caller can have: its name's, when every caller is
     * named in the configuration (API keys), else that of a name of {@link Caller#MAX_NAME_BYTES} bytes, each one
     * percent-encoded.
     */
    private void checkPolicySizes() {
        Caller longest = longestCaller();
        List<Scope> scopes = new ArrayList<>(configuredScopes());
        lists().stream().flatMap(l -> l.grants(longest).stream()).distinct()
                .forEach(grant -> scopes.add(Scope.of(grant, config.roleSessionDuration())));
        if (config.credentials().enabled()) {
            scopes.add(vendScope(defaultRead, defaultWrite, longest));
            perCaller.forEach((name, pair) -> scopes.add(vendScope(pair[0], pair[1], new Caller(name))));
        }
        for (Scope scope : scopes) {
            int length = credentials.policy(scope).length();
            if (length > SessionPolicy.MAX_LENGTH) {
                throw new IllegalStateException("The session policy of " + scope + " has " + length
                        + " characters, more than STS takes (" + SessionPolicy.MAX_LENGTH + "): shorten that allow-list");
            }
        }
    }

    private Scope vendScope(AllowList read, AllowList write, Caller caller) {
        List<Grant> grants = new ArrayList<>(read.grants(caller));
        grants.addAll(write.grants(caller));
        return new Scope(grants, caller.name(), config.credentials().duration());
    }

    private Caller longestCaller() {
        if (config.auth().mode() == BrokerConfig.Auth.Mode.JWT) {
            return new Caller("\u0000".repeat(Caller.MAX_NAME_BYTES));
        }
        String longest = Caller.ANONYMOUS.name();
        for (String pair : config.auth().apiKeys().orElse(List.of())) {
            String name = pair.strip().split(":", 2)[0];
            if (Caller.keySegment(name).length() > Caller.keySegment(longest).length()) {
                longest = name;
            }
        }
        return new Caller(longest);
    }
}
