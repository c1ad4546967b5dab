package io.s3broker.access;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

import io.s3broker.auth.Caller;
import io.s3broker.config.S3Names;
import io.s3broker.credentials.Access;
import io.s3broker.credentials.Grant;

/**
 * The {@code bucket/prefix/} entries that allow one kind of access. An entry may hold {@link #PLACEHOLDER} as a whole
 * segment of its prefix ({@code photos/users/{caller}/}): for each caller it is that caller's own entry, with its
 * {@link Caller#keySegment() key segment} in place of the placeholder, and so a scope of its own whose session policy
 * names only that caller's prefix (docs/decisions/0020-templated-scopes.md).
 */
public record AllowList(Access access, List<Entry> entries) {

    /** Stands for the caller's key segment in an entry. */
    public static final String PLACEHOLDER = S3Names.CALLER;

    /**
     * One configured entry: a literal prefix, or {@code before}, the caller's segment, {@code after}.
     *
     * @param after empty for a literal entry
     */
    public record Entry(String bucket, String before, String after, boolean templated) {

        /** The grant this entry gives {@code caller}. */
        public Grant grant(Access access, Caller caller) {
            return new Grant(access, bucket, templated ? before + caller.keySegment() + after : before);
        }

        /** Length of the prefix expanded for a caller whose segment has {@code segmentLength} characters. */
        int length(int segmentLength) {
            return before.length() + (templated ? segmentLength + after.length() : 0);
        }

        /** Whether the entry, expanded with {@code segment}, covers {@code key} of {@code bucket}; nothing is copied. */
        boolean covers(String bucket, String key, String segment) {
            if (!this.bucket.equals(bucket) || !key.startsWith(before)) {
                return false;
            }
            return !templated || (key.startsWith(segment, before.length())
                    && key.startsWith(after, before.length() + segment.length()));
        }

        /** As configured. */
        @Override
        public String toString() {
            return bucket + "/" + before + (templated ? PLACEHOLDER + after : "");
        }
    }

    public AllowList {
        entries = entries.stream().distinct()
                .sorted(Comparator.comparingInt((Entry e) -> e.length(0)).reversed()).toList();
    }

    /**
     * Parses entries such as {@code photos/public/} (prefix {@code public/} of bucket {@code photos}),
     * {@code photos/} (the whole bucket) or {@code photos/users/{caller}/} (each caller's own prefix).
     *
     * @param setting the configuration key, for messages
     * @throws IllegalArgumentException naming the setting and the bad entry
     */
    public static AllowList parse(Access access, List<String> entries, String setting) {
        List<Entry> parsed = new ArrayList<>();
        for (String raw : entries) {
            String entry = raw.strip();
            if (entry.isEmpty()) {
                continue;
            }
            int slash = entry.indexOf('/');
            String problem;
            if (slash < 0 || !entry.endsWith("/")) {
                problem = "must be bucket/ or bucket/prefix/ and end with '/'";
            } else if (!S3Names.isValidBucket(entry.substring(0, slash))) {
                problem = S3Names.BUCKET_RULES;
            } else {
                problem = S3Names.prefixProblem(entry.substring(slash + 1), true);
            }
            if (problem != null) {
                throw new IllegalArgumentException(setting + ": entry '" + entry + "' " + problem);
            }
            String prefix = entry.substring(slash + 1);
            int at = prefix.indexOf(PLACEHOLDER);
            String bucket = entry.substring(0, slash);
            parsed.add(at < 0 ? new Entry(bucket, prefix, "", false)
                    : new Entry(bucket, prefix.substring(0, at), prefix.substring(at + PLACEHOLDER.length()), true));
        }
        return new AllowList(access, parsed);
    }

    /** The most specific entry covering {@code key} of {@code bucket} for {@code caller}, as that caller's grant. */
    public Optional<Grant> match(Caller caller, String bucket, String key) {
        return matchEntry(caller, bucket, key).map(entry -> entry.grant(access, caller));
    }

    /** The most specific entry covering {@code key} of {@code bucket} for {@code caller}. */
    public Optional<Entry> matchEntry(Caller caller, String bucket, String key) {
        String segment = caller.keySegment();
        Entry best = null;
        for (Entry entry : entries) {
            if (entry.covers(bucket, key, segment)
                    && (best == null || entry.length(segment.length()) > best.length(segment.length()))) {
                best = entry;
            }
        }
        return Optional.ofNullable(best);
    }

    /** What the list gives {@code caller}: every entry, templated ones with its own segment. */
    public List<Grant> grants(Caller caller) {
        return entries.stream().map(entry -> entry.grant(access, caller)).distinct().toList();
    }

    /** The grants of the literal entries: the same for every caller, so they can be fetched at start-up. */
    public List<Grant> literalGrants() {
        return entries.stream().filter(entry -> !entry.templated()).map(entry -> new Grant(access, entry.bucket(),
                entry.before())).toList();
    }

    public boolean templated() {
        return entries.stream().anyMatch(Entry::templated);
    }

    /** The entries as configured ({@code {caller}} unexpanded). */
    public List<String> configured() {
        return entries.stream().map(Entry::toString).toList();
    }
}
