package io.s3broker.security;

/** API keys of the callers the security tests use besides TestAuth's {@code test} (configured with TestAuth.apiKeys). */
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

    static String bearer(String key) {
        return "Bearer " + key;
    }
}
