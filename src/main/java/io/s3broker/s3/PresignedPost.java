package io.s3broker.s3;

import java.time.Instant;
import java.util.Map;

/**
 * A signed S3 POST upload: the client POSTs {@link #fields()} and then the file, as multipart/form-data, to
 * {@link #url()}. The signature and the session token are credentials: log {@link #toString()}, never the fields.
 */
public record PresignedPost(String url, Map<String, String> fields, Instant expiresAt) {

    @Override
    public String toString() {
        return "POST " + url + " key " + io.s3broker.logging.LogText.escape(fields.get("key")) + " until " + expiresAt;
    }
}
