package io.s3broker.upload;

import java.util.Map;

import io.quarkus.test.junit.QuarkusTestProfile;
import io.s3broker.testing.TestAuth;

/**
 * Short bounds, so that the tests of stalled clients and a full buffer pool take seconds, and a second caller, so
 * that they can tell one caller's uploads from another's. The least rate keeps its default.
 */
public class UploadLimitsProfile implements QuarkusTestProfile {

    static final int BUFFER_WAIT_SECONDS = 3;
    static final int IDLE_SECONDS = 5;
    static final String OTHER_KEY = "other-uploader-key-8d7c6b5a49382716";

    @Override
    public Map<String, String> getConfigOverrides() {
        return Map.of("broker.upload.max-size", "150M",
                "broker.upload.buffer-wait", BUFFER_WAIT_SECONDS + "S",
                "broker.upload.idle-timeout", IDLE_SECONDS + "S",
                "broker.auth.api-keys", TestAuth.apiKeys("other", OTHER_KEY));
    }
}
