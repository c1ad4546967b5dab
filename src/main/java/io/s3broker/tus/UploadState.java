package io.s3broker.tus;

import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * What the state object of an upload says, in its user metadata: the upload's length and its client's
 * {@code Upload-Metadata} (both fixed at creation), and where the bytes kept in its body (the tail) start. The object
 * lies beside the upload's object under {@code .tus/} and is rewritten whenever a request keeps a new tail
 * (docs/decisions/0030-resumable-upload-state-in-s3.md).
 */
record UploadState(long length, Optional<String> metadata, long tailAt) {

    static final String LENGTH = "tus-length";
    static final String METADATA = "tus-metadata";
    static final String TAIL_AT = "tus-tail-at";

    /** The state as S3 gives its user metadata back; empty when it is not one the broker wrote. */
    static Optional<UploadState> of(Map<String, String> stored) {
        try {
            long length = Long.parseLong(stored.getOrDefault(LENGTH, ""));
            long tailAt = Long.parseLong(stored.getOrDefault(TAIL_AT, ""));
            if (length < 1 || tailAt < 0 || tailAt >= length) {
                return Optional.empty();
            }
            return Optional.of(new UploadState(length, Optional.ofNullable(stored.get(METADATA)), tailAt));
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }

    /** The user metadata to store with a tail that starts at {@code at}. */
    Map<String, String> withTailAt(long at) {
        Map<String, String> stored = new HashMap<>();
        stored.put(LENGTH, Long.toString(length));
        stored.put(TAIL_AT, Long.toString(at));
        metadata.ifPresent(value -> stored.put(METADATA, value));
        return stored;
    }
}
