package io.s3broker.testing;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

import io.restassured.RestAssured;
import io.restassured.filter.Filter;
import io.restassured.filter.FilterContext;
import io.restassured.response.Response;
import io.restassured.specification.FilterableRequestSpecification;
import io.restassured.specification.FilterableResponseSpecification;

/**
 * The API key every test calls the broker with (auth is on in tests, as in production). Requests made with
 * rest-assured carry it unless they set an Authorization header of their own; other clients add {@link #BEARER}.
 */
public final class TestAuth {

    public static final String CALLER = "test";
    public static final String KEY = "test-key-0123456789abcdef";
    /** SHA-256 of {@link #KEY}, as {@code broker.auth.api-keys} holds it. */
    public static final String KEY_SHA256 = "0813ba6d30f7bbf925ab2a50f5a407feaa885309426af0dd201e046cf5f0c3be";
    public static final String BEARER = "Bearer " + KEY;
    /** The header as a line of a raw HTTP/1.1 request. */
    public static final String HEADER_LINE = "Authorization: " + BEARER + "\r\n";

    private static final Filter ADD_KEY = new Filter() {
        @Override
        public Response filter(FilterableRequestSpecification request, FilterableResponseSpecification response,
                FilterContext context) {
            if (!request.getHeaders().hasHeaderWithName("Authorization")) {
                request.header("Authorization", BEARER);
            }
            return context.next(request, response);
        }
    };

    private TestAuth() {
    }

    /** One entry of {@code broker.auth.api-keys}: the caller's name and the SHA-256 of its key. */
    public static String pair(String name, String key) {
        try {
            return name + ":" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(key.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** {@code broker.auth.api-keys} with {@link #CALLER} and the given name/key pairs. */
    public static String apiKeys(String... namesAndKeys) {
        StringBuilder pairs = new StringBuilder(CALLER + ":" + KEY_SHA256);
        for (int i = 0; i < namesAndKeys.length; i += 2) {
            pairs.append(',').append(pair(namesAndKeys[i], namesAndKeys[i + 1]));
        }
        return pairs.toString();
    }

    /** Makes rest-assured send the key by default; idempotent. */
    public static synchronized void installRestAssuredDefault() {
        if (!RestAssured.filters().contains(ADD_KEY)) {
            RestAssured.filters(ADD_KEY);
        }
    }
}
