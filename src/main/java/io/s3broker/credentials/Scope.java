package io.s3broker.credentials;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.TreeSet;

import io.s3broker.logging.LogText;

/**
 * What one set of temporary credentials may do: its session policy allows exactly these grants. Requests that
 * match the same allow-list entry share one scope, and so one set of credentials.
 *
 * @param grants sorted, without duplicates
 * @param vendedTo the caller the credentials are handed to ({@code POST /credentials}), or null when only the broker
 *        uses them; vended ones are per caller, so that each caller's shows in CloudTrail under its own session
 * @param sessionDuration how long STS makes each set live
 */
public record Scope(List<Grant> grants, String vendedTo, Duration sessionDuration, boolean unrestricted) {

    public Scope {
        grants = List.copyOf(new TreeSet<>(grants));
        Objects.requireNonNull(sessionDuration, "sessionDuration");
        if (unrestricted && (!grants.isEmpty() || vendedTo != null)) {
            throw new IllegalArgumentException("An unrestricted scope has no grants and is never vended");
        }
    }

    public Scope(List<Grant> grants, String vendedTo, Duration sessionDuration) {
        this(grants, vendedTo, sessionDuration, false);
    }

    /** The scope of one allow-list entry, used by the broker itself. */
    public static Scope of(Grant grant, Duration sessionDuration) {
        return new Scope(List.of(grant), null, sessionDuration);
    }

    /** No access at all: credentials that only prove STS answers (readiness). */
    public static Scope probe(Duration sessionDuration) {
        return new Scope(List.of(), null, sessionDuration);
    }

    /**
     * The role's own rights, without a session policy: only to sign S3 POST policies, whose conditions then hold the
     * key, type and size, for servers that store nothing from a POST signed by a session with a session policy
     * (Ceph RGW 16; docs/decisions/0021-post-policy-uploads.md). Its credentials are never handed out: the form
     * carries their access key id and session token, which sign nothing without the secret key.
     */
    public static Scope unrestricted(Duration sessionDuration) {
        return new Scope(List.of(), null, sessionDuration, true);
    }

    public boolean vended() {
        return vendedTo != null;
    }

    /**
     * The RoleSessionName: {@code prefix} (broker.role-session-name, which tells brokers apart), then the scope,
     * readable where it can be ({@code r.photos.public} or {@code vend.alice}), then a digest of the whole scope so
     * that two scopes never share a name. STS allows 2 to 64 of {@code [\w+=,.@-]}.
     */
    public String sessionName(String prefix) {
        StringBuilder readable = new StringBuilder(prefix).append('.');
        if (vended()) {
            readable.append("vend.").append(vendedTo);
        } else if (grants.size() == 1) {
            Grant grant = grants.get(0);
            readable.append(switch (grant.access()) {
                case READ -> "r.";
                case WRITE -> "w.";
                case DELETE -> "d.";
                case LIST_UPLOADS -> "l.";
            }).append(grant.bucket()).append('.')
                    .append(grant.prefix());
        } else if (unrestricted) {
            readable.append("post");
        } else if (grants.isEmpty()) {
            readable.append("probe");
        } else {
            readable.append("scope");
        }
        String safe = readable.toString().replaceAll("[^\\w+=,.@-]", ".");
        String digest = digest().substring(0, 12);
        int room = 64 - digest.length() - 1;
        return (safe.length() > room ? safe.substring(0, room) : safe) + "-" + digest;
    }

    private String digest() {
        try {
            byte[] hash = MessageDigest.getInstance("SHA-256")
                    .digest((grants + "|" + vendedTo + "|" + sessionDuration + (unrestricted ? "|unrestricted" : ""))
                            .getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(hash);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public String toString() {
        // Callers' names are client input (JWT subjects), and scopes are logged.
        return unrestricted ? "unrestricted" : (vended() ? "vended to " + LogText.escape(vendedTo) + " " : "") + grants;
    }
}
