package io.s3broker.security;

import java.util.HashMap;
import java.util.Map;

import io.quarkus.test.junit.QuarkusTestProfile;
import io.s3broker.testing.LocalS3Sts;
import io.s3broker.testing.LocalS3StsResource;
import io.s3broker.testing.TestAuth;

/**
 * Several callers with allow-lists of their own and credential vending on. The default lists are empty, so a caller
 * without lists of its own ({@code nobody}) may do nothing; {@code narrow} may read and write under a few prefixes;
 * {@code writer} names only a write list, so its read list stays the (empty) default. Credentials are not fetched at
 * start-up, so that each AssumeRole a test counts is one a request caused.
 */
public class SecurityProfile implements QuarkusTestProfile {

    static final String WRITER = "writer";
    static final String WRITER_KEY = "writer-key-2468ace013579bdf2468ace0";

    static String bucket() {
        return LocalS3Sts.bucket();
    }

    @Override
    public Map<String, String> getConfigOverrides() {
        String b = bucket();
        Map<String, String> config = new HashMap<>();
        config.put("broker.auth.api-keys", TestAuth.apiKeys(Callers.NARROW, Callers.NARROW_KEY, Callers.NOBODY,
                Callers.NOBODY_KEY, WRITER, WRITER_KEY));
        config.put("broker.access.read", "");
        config.put("broker.access.write", "");
        config.put("broker.access.callers.\"test\".read", b + "/," + LocalS3StsResource.MISSING_BUCKET + "/");
        config.put("broker.access.callers.\"test\".write", b + "/");
        config.put("broker.access.callers.\"narrow\".read", b + "/narrow/read/," + b + "/narrow/shared/");
        config.put("broker.access.callers.\"narrow\".write", b + "/narrow/write/");
        config.put("broker.access.callers.\"writer\".write", b + "/narrow/writer/");
        config.put("broker.credentials.enabled", "true");
        config.put("broker.prefetch-on-start", "false");
        return config;
    }
}
