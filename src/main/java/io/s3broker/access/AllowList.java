package io.s3broker.access;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

import io.s3broker.config.S3Names;
import io.s3broker.credentials.Access;
import io.s3broker.credentials.Grant;

/** The {@code bucket/prefix/} entries that allow one kind of access, most specific first. */
public record AllowList(Access access, List<Grant> grants) {

    public AllowList {
        grants = grants.stream().distinct()
                .sorted(Comparator.comparingInt((Grant g) -> g.prefix().length()).reversed()).toList();
    }

    /**
     * Parses entries such as {@code photos/public/} (prefix {@code public/} of bucket {@code photos}) or
     * {@code photos/} (the whole bucket).
     *
     * @param setting the configuration key, for messages
     * @throws IllegalArgumentException naming the setting and the bad entry
     */
    public static AllowList parse(Access access, List<String> entries, String setting) {
        List<Grant> grants = new ArrayList<>();
        for (String raw : entries) {
            String entry = raw.strip();
            if (entry.isEmpty()) {
                continue;
            }
            int slash = entry.indexOf('/');
            String problem = null;
            if (slash < 0 || !entry.endsWith("/")) {
                problem = "must be bucket/ or bucket/prefix/ and end with '/'";
            } else if (entry.indexOf('*') >= 0 || entry.indexOf('?') >= 0 || entry.indexOf('$') >= 0) {
                problem = "must not contain '*', '?' or '$' (entries are literal prefixes, never patterns)";
            } else if (!S3Names.isValidBucket(entry.substring(0, slash))) {
                problem = S3Names.BUCKET_RULES;
            } else {
                String prefixProblem = S3Names.keyProblem(entry.substring(slash + 1), true);
                problem = prefixProblem == null ? null : "its prefix " + prefixProblem;
            }
            if (problem != null) {
                throw new IllegalArgumentException(setting + ": entry '" + entry + "' " + problem);
            }
            grants.add(new Grant(access, entry.substring(0, slash), entry.substring(slash + 1)));
        }
        return new AllowList(access, grants);
    }

    /** The most specific entry covering {@code key} of {@code bucket}. */
    public Optional<Grant> match(String bucket, String key) {
        for (Grant grant : grants) {
            if (grant.covers(bucket, key)) {
                return Optional.of(grant);
            }
        }
        return Optional.empty();
    }

    public List<String> entries() {
        return grants.stream().map(Grant::entry).toList();
    }
}
