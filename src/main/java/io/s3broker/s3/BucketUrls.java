package io.s3broker.s3;

import java.net.URI;
import java.time.Duration;

import jakarta.enterprise.context.ApplicationScoped;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;

import io.s3broker.aws.RegionClients;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.utils.http.SdkHttpUtils;

/**
 * Where the objects of a bucket live, as the SDK resolves it (path or virtual-host style, partition, FIPS,
 * dual-stack, endpoint override): learned once per region and bucket from the SDK's presigner, whose whole request
 * pipeline is too costly to run per request (docs/decisions/0001-own-sigv4-signer.md).
 */
@ApplicationScoped
public class BucketUrls {

    /** Bucket names are client input (within the allow-lists): bound the cache, least recently used out first. */
    static final int MAX_BUCKETS = 10_000;
    private static final String PROBE_KEY = "k";
    private static final StaticCredentialsProvider PROBE_CREDENTIALS = StaticCredentialsProvider.create(
            AwsBasicCredentials.create("probe", "probe"));

    private final Cache<String, BucketUrl> baseUrls = Caffeine.newBuilder().maximumSize(MAX_BUCKETS).build();

    /** A bucket's root: URL and path ending with "/", and the Host header to sign (with the port unless default). */
    record BucketUrl(String url, String path, String host) {
    }

    /** The request target of {@code key} in {@code bucket}. */
    SigV4Signer.Target target(RegionClients region, String bucket, String key) {
        BucketUrl base = bucketUrl(region, bucket);
        StringBuilder encodedKey = new StringBuilder(key.length() + 16);
        SigV4Signer.encode(key, true, encodedKey);
        return new SigV4Signer.Target(base.url() + encodedKey, base.path() + encodedKey, base.host());
    }

    /** Where S3 takes POST uploads (forms) to {@code bucket}: its root, without the trailing "/" of path style. */
    String postUrl(RegionClients region, String bucket) {
        BucketUrl base = bucketUrl(region, bucket);
        return base.path().length() > 1 ? base.url().substring(0, base.url().length() - 1) : base.url();
    }

    BucketUrl bucketUrl(RegionClients region, String bucket) {
        return baseUrls.get(region.region() + '/' + bucket, ignored -> resolve(region, bucket));
    }

    private static BucketUrl resolve(RegionClients region, String bucket) {
        String probe = region.presigner().presignGetObject(p -> p
                .signatureDuration(Duration.ofMinutes(1))
                .getObjectRequest(g -> g.bucket(bucket).key(PROBE_KEY)
                        .overrideConfiguration(o -> o.credentialsProvider(PROBE_CREDENTIALS))))
                .url().toString();
        String withoutQuery = probe.substring(0, probe.indexOf('?'));
        URI base = URI.create(withoutQuery.substring(0, withoutQuery.length() - PROBE_KEY.length()));
        int port = base.getPort();
        String host = base.getHost() + (port < 0 || port == SdkHttpUtils.standardPort(base.getScheme()) ? "" : ":" + port);
        return new BucketUrl(base.toString(), base.getRawPath(), host);
    }
}
