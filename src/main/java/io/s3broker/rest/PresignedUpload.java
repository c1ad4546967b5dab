package io.s3broker.rest;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** The answer of GET /item/upload-url. */
public record PresignedUpload(boolean success, String url, String method, Map<String, String> headers, String bucket,
        String key, Instant expiresAt) {

    /** The signed headers a client must send itself: all but Host, which its HTTP library sets. */
    static Map<String, String> clientHeaders(Map<String, List<String>> signed) {
        Map<String, String> headers = new TreeMap<>();
        signed.forEach((name, values) -> {
            if (!name.equalsIgnoreCase("host")) {
                headers.put(name, String.join(",", values));
            }
        });
        return headers;
    }
}
