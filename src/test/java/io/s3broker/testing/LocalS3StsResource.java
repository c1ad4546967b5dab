package io.s3broker.testing;

import java.util.HashMap;
import java.util.Map;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

/**
 * Points the broker under test at the local S3 + STS server, booting it first. The broker's own keys go in as
 * the SDK's system properties, which its default credentials chain reads before the environment.
 */
public class LocalS3StsResource implements QuarkusTestResourceLifecycleManager {

    /** A bucket that does not exist, in the read allow-list, so that a request for it reaches S3 and gets its 404. */
    public static final String MISSING_BUCKET = "no-such-bucket-for-tests";
    /** A second region requests may name (broker.regions). */
    public static final String OTHER_REGION = "eu-west-1";

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
        // Auth and allow-lists on, as in production: every test calls with TestAuth's key.
        config.put("broker.auth.mode", "api-key");
        config.put("broker.auth.api-keys", TestAuth.CALLER + ":" + TestAuth.KEY_SHA256);
        config.put("broker.access.read", env.get("LOCAL_S3STS_BUCKET") + "/," + MISSING_BUCKET + "/");
        config.put("broker.regions", OTHER_REGION);
        config.put("broker.access.write", env.get("LOCAL_S3STS_BUCKET") + "/");
        TestAuth.installRestAssuredDefault();
        // @QuarkusIntegrationTest starts the packaged broker on the HTTP test port, but its management interface on
        // the production port: give it the test one, where Management looks for it.
        config.put("quarkus.management.port", Integer.toString(Management.port()));
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
