package io.s3broker.testing;

import java.util.HashMap;
import java.util.Map;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

/**
 * Points the broker under test at the local S3 + STS server, booting it first. The broker's own keys go in as
 * the SDK's system properties, which its default credentials chain reads before the environment.
 */
public class LocalS3StsResource implements QuarkusTestResourceLifecycleManager {

    @Override
    public Map<String, String> start() {
        Map<String, String> env = LocalS3Sts.up();
        Map<String, String> config = new HashMap<>();
        config.put("broker.role-arn", env.get("BROKER_ROLE_ARN"));
        config.put("broker.sts.endpoint", env.get("BROKER_STS_ENDPOINT"));
        config.put("broker.s3.endpoint", env.get("BROKER_S3_ENDPOINT"));
        config.put("broker.s3.path-style", env.get("BROKER_S3_PATH_STYLE"));
        config.put("broker.s3.checksums", env.get("BROKER_S3_CHECKSUMS"));
        config.put("broker.region", env.get("BROKER_REGION"));
        config.put("aws.accessKeyId", env.get("AWS_ACCESS_KEY_ID"));
        config.put("aws.secretAccessKey", env.get("AWS_SECRET_ACCESS_KEY"));
        // @QuarkusTest runs the broker in this JVM, where the SDK reads system properties, not Quarkus config;
        // @QuarkusIntegrationTest passes the map to the packaged broker as -D options.
        System.setProperty("aws.accessKeyId", env.get("AWS_ACCESS_KEY_ID"));
        System.setProperty("aws.secretAccessKey", env.get("AWS_SECRET_ACCESS_KEY"));
        return config;
    }

    @Override
    public void stop() {
        // The server stays up for the next test class and the next run; scripts/local-s3-sts.sh down stops it.
    }
}
