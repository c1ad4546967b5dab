package io.s3broker.security;

import java.util.HexFormat;

import io.s3broker.auth.ApiKeys;
import io.s3broker.testing.TestAuth;

/** API keys of the callers the security tests use besides TestAuth's {@code test}, and their configuration. */
final class Callers {

    static final String NARROW = "narrow";
    static final String NARROW_KEY = "narrow-key-5f0c1e2d3b4a69788796a5b4";
    static final String NOBODY = "nobody";
    static final String NOBODY_KEY = "nobody-key-0a1b2c3d4e5f60718293a4b5";
    static final String OTHER = "other";
    static final String OTHER_KEY = "other-key-99887766554433221100ffee";
    static final String UPLOADER = "uploader";
    static final String UPLOADER_KEY = "uploader-key-1357924680acebdf13579";

    private Callers() {
    }

    static String pair(String name, String key) {
        return name + ":" + HexFormat.of().formatHex(ApiKeys.sha256(key));
    }

    /** broker.auth.api-keys with {@code test} and the given name/key pairs. */
    static String apiKeys(String... namesAndKeys) {
        StringBuilder pairs = new StringBuilder(TestAuth.CALLER + ":" + TestAuth.KEY_SHA256);
        for (int i = 0; i < namesAndKeys.length; i += 2) {
            pairs.append(',').append(pair(namesAndKeys[i], namesAndKeys[i + 1]));
        }
        return pairs.toString();
    }

    static String bearer(String key) {
        return "Bearer " + key;
    }
}
