package io.s3broker.upload;

import java.util.Map;

import io.quarkus.test.junit.QuarkusTestProfile;

/** Short bounds, so that the tests of stalled clients and a full buffer pool take seconds. */
public class UploadLimitsProfile implements QuarkusTestProfile {

    static final int BUFFER_WAIT_SECONDS = 3;
    static final int IDLE_SECONDS = 5;

    @Override
    public Map<String, String> getConfigOverrides() {
        return Map.of("broker.upload.max-size", "150M",
                "broker.upload.buffer-wait", BUFFER_WAIT_SECONDS + "S",
                "broker.upload.idle-timeout", IDLE_SECONDS + "S");
    }
}
