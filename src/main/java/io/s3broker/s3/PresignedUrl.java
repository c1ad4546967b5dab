package io.s3broker.s3;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * A presigned request. The URL's query string is a credential: log {@link #toString()}, never {@link #url()}.
 *
 * @param signedHeaders headers the client must send exactly as given (for PUT: Content-Type, for example)
 */
public record PresignedUrl(String url, String method, Map<String, List<String>> signedHeaders, Instant expiresAt) {

    @Override
    public String toString() {
        int query = url.indexOf('?');
        return method + " " + (query < 0 ? url : url.substring(0, query) + "?<signature>") + " until " + expiresAt;
    }
}
