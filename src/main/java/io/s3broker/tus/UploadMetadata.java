package io.s3broker.tus;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

import io.s3broker.rest.error.BrokerException;
import io.s3broker.rest.error.ErrorCode;

/**
 * A client's {@code Upload-Metadata}: comma-separated pairs of a key and its value in Base64, kept as sent (it is
 * given back on HEAD) and read for the file's name and type. At most {@link #MAX_LENGTH} characters of printable
 * ASCII, since it is stored as S3 user metadata (2 KB in all at AWS).
 */
record UploadMetadata(Optional<String> header, Map<String, String> values) {

    static final int MAX_LENGTH = 1024;
    static final UploadMetadata NONE = new UploadMetadata(Optional.empty(), Map.of());

    /** @throws BrokerException 400 when the header is malformed or too long */
    static UploadMetadata parse(String header) {
        if (header == null || header.isBlank()) {
            return NONE;
        }
        if (header.length() > MAX_LENGTH || !header.chars().allMatch(c -> c >= 0x20 && c < 0x7f)) {
            throw invalid("at most " + MAX_LENGTH + " characters of printable ASCII");
        }
        Map<String, String> values = new HashMap<>();
        for (String pair : header.split(",", -1)) {
            String[] parts = pair.trim().split(" ", -1);
            if (parts.length > 2 || parts[0].isEmpty() || values.containsKey(parts[0])) {
                throw invalid("comma-separated pairs of a key, once each, and its value in Base64");
            }
            try {
                values.put(parts[0], parts.length == 2
                        ? new String(Base64.getDecoder().decode(parts[1]), StandardCharsets.UTF_8) : "");
            } catch (IllegalArgumentException e) {
                throw invalid("the value of '" + parts[0] + "' is not Base64");
            }
        }
        return new UploadMetadata(Optional.of(header.trim()), Map.copyOf(values));
    }

    /** The file's name, as tus-js-client ({@code filename}) or Uppy ({@code name}) send it. */
    Optional<String> filename() {
        return first("filename", "name");
    }

    /** The file's media type, as tus-js-client ({@code filetype}) or Uppy ({@code type}) send it. */
    Optional<String> type() {
        return first("filetype", "type");
    }

    private Optional<String> first(String key, String otherKey) {
        return Optional.ofNullable(values.get(key)).or(() -> Optional.ofNullable(values.get(otherKey)))
                .filter(value -> !value.isBlank());
    }

    private static BrokerException invalid(String why) {
        return new BrokerException(ErrorCode.INVALID_REQUEST, "Invalid Upload-Metadata: " + why);
    }
}
