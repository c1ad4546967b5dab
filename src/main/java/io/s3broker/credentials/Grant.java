package io.s3broker.credentials;

import java.util.Objects;

/**
 * Access to the objects of one bucket whose keys start with {@code prefix} ({@code ""}: the whole bucket).
 * Written in configuration as {@code bucket/prefix/}.
 */
public record Grant(Access access, String bucket, String prefix) implements Comparable<Grant> {

    public Grant {
        Objects.requireNonNull(access, "access");
        Objects.requireNonNull(bucket, "bucket");
        Objects.requireNonNull(prefix, "prefix");
    }

    /** Whether {@code key} of {@code bucket} lies under this grant: a literal prefix match, nothing normalized. */
    public boolean covers(String bucket, String key) {
        return this.bucket.equals(bucket) && key.startsWith(prefix);
    }

    /** As configured: {@code bucket/prefix/}. */
    public String entry() {
        return bucket + "/" + prefix;
    }

    @Override
    public int compareTo(Grant other) {
        int byAccess = access.compareTo(other.access);
        return byAccess != 0 ? byAccess : entry().compareTo(other.entry());
    }

    @Override
    public String toString() {
        return access.name().toLowerCase(java.util.Locale.ROOT) + ":" + entry();
    }
}
