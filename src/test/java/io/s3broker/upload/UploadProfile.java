package io.s3broker.upload;

import java.util.Map;

import io.quarkus.test.junit.QuarkusTestProfile;

/** Upload tests run with a limit they can reach in seconds: 150 MiB instead of 5 GiB. */
public class UploadProfile implements QuarkusTestProfile {

    static final long MAX_SIZE = 150L << 20;

    @Override
    public Map<String, String> getConfigOverrides() {
        return Map.of("broker.upload.max-size", "150M");
    }
}
