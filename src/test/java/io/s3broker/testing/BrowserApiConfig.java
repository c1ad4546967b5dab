package io.s3broker.testing;

import java.util.HashMap;
import java.util.Map;

/** The browser API (the Companion routes, /s3/sign, /s3/sts) on the test bucket of the local RGW, for test profiles. */
public final class BrowserApiConfig {

    private BrowserApiConfig() {
    }

    /** {@code broker.companion.*} for the local RGW, with the given key/value pairs on top. */
    public static Map<String, String> with(String... keysAndValues) {
        Map<String, String> config = new HashMap<>();
        config.put("broker.companion.bucket", LocalS3Sts.bucket());
        // RGW 16 stores nothing from a POST signed by a session with a session policy.
        config.put("broker.companion.post-signer", "role");
        for (int i = 0; i < keysAndValues.length; i += 2) {
            config.put(keysAndValues[i], keysAndValues[i + 1]);
        }
        return config;
    }
}
