package io.s3broker.faults;

import java.util.Map;

import io.s3broker.testing.FaultProxy;
import io.s3broker.testing.LocalS3Sts;
import io.s3broker.testing.LocalS3StsResource;

/**
 * The local gateway as the broker under test sees it, with a {@link FaultProxy} in front of STS and another in front
 * of S3 (the broker takes their endpoints separately), so that a test can break either. STS starts down: a test
 * that needs it up says so. The allow-list gives every fault its own scopes: prefixes {@code fault-N/} of the test
 * bucket, each a scope that no other test has used, fetched only when first asked for.
 */
public class FaultyUpstream extends LocalS3StsResource {

    static FaultProxy sts;
    static FaultProxy s3;

    @Override
    public Map<String, String> start() {
        Map<String, String> config = new java.util.HashMap<>(super.start());
        String endpoint = LocalS3Sts.get("LOCAL_S3STS_ENDPOINT");
        sts = new FaultProxy(endpoint);
        sts.down();
        s3 = new FaultProxy(endpoint);
        config.put("broker.sts.endpoint", sts.endpoint());
        config.put("broker.s3.endpoint", s3.endpoint());
        StringBuilder read = new StringBuilder(LocalS3Sts.bucket() + "/");
        for (int i = 0; i < 10; i++) {
            read.append(',').append(prefix(i));
        }
        config.put("broker.access.read", read.toString());
        config.put("broker.access.write", read.toString());
        // A scope's first AssumeRole is its first request's: with the prefetch, the first success would hand every
        // configured scope its credentials, and no later outage could find one without.
        config.put("broker.prefetch-on-start", "false");
        return config;
    }

    /** The allow-list entry of scope {@code n}: bucket/fault-n/. */
    static String prefix(int n) {
        return LocalS3Sts.bucket() + "/fault-" + n + "/";
    }

    @Override
    public void stop() {
        sts.close();
        s3.close();
        super.stop();
    }
}
