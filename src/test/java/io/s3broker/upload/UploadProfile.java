package io.s3broker.upload;

import java.util.Map;

import io.quarkus.test.junit.QuarkusTestProfile;

/**
 * Upload tests run with a limit they can reach in seconds: 150 MiB instead of 5 GiB. Quarkus' body handler, should
 * it ever take an upload, would write it to {@link #TEMP_FOLDER} and keep it there, where UploadUnderLoadTest looks.
 */
public class UploadProfile implements QuarkusTestProfile {

    static final long MAX_SIZE = 150L << 20;
    static final String TEMP_FOLDER = "target/upload-temp-folder";

    @Override
    public Map<String, String> getConfigOverrides() {
        return Map.of("broker.upload.max-size", "150M",
                "quarkus.http.body.uploads-directory", TEMP_FOLDER,
                "quarkus.http.body.delete-uploaded-files-on-end", "false");
    }
}
