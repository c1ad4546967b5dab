package io.s3broker.s3;

import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.SdkHttpMethod;
import software.amazon.awssdk.identity.spi.AwsSessionCredentialsIdentity;
import software.amazon.awssdk.utils.http.SdkHttpUtils;

/**
 * Presigns S3 URLs and signs the HeadObject requests the broker sends itself (see {@link HeadObjectClient}), with
 * {@link SigV4Signer}. The SDK's S3Presigner runs a whole request pipeline
 * (marshalling, interceptors, endpoint rules) per call: measured at two thirds of the CPU of GET
 * /item?check=false. Here that pipeline runs once per region and bucket, to learn the bucket's base URL as the
 * SDK resolves it (path or virtual-host style, partition, FIPS...); each URL is then signed on that base.
 */
final class UrlSigner {

    /** Bucket names are client input: bound the cache of their base URLs. */
    private static final int MAX_BUCKETS = 10_000;
    private static final String PROBE_KEY = "k";
    private static final AwsBasicCredentials PROBE_CREDENTIALS = AwsBasicCredentials.create("probe", "probe");

    private final SigV4Signer signer = new SigV4Signer();
    private final Map<String, BucketUrl> baseUrls = new ConcurrentHashMap<>();

    PresignedUrl sign(RegionClients region, SdkHttpMethod method, String bucket, String key, Map<String, String> headers,
            AwsSessionCredentialsIdentity credentials, Duration lifetime, Instant now) {
        SigV4Signer.Target target = target(region, bucket, key);
        String url = signer.presign(method.name(), target, headers, region.region(), credentials, lifetime, now);
        Map<String, List<String>> signedHeaders = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        signedHeaders.put("host", List.of(target.host()));
        headers.forEach((name, value) -> signedHeaders.put(name, List.of(value)));
        return new PresignedUrl(url, method.name(), signedHeaders, now.plus(lifetime));
    }

    /** A HeadObject request: the object's URL and the headers that sign it, as the SDK's client would send them. */
    SignedHead signHeadObject(RegionClients region, String bucket, String key,
            AwsSessionCredentialsIdentity credentials, Instant now) {
        SigV4Signer.Target target = target(region, bucket, key);
        return new SignedHead(target.url(), signer.authorize("HEAD", target, region.region(), credentials, now));
    }

    record SignedHead(String url, Map<String, String> headers) {
    }

    private SigV4Signer.Target target(RegionClients region, String bucket, String key) {
        BucketUrl base = bucketUrl(region, bucket);
        StringBuilder encodedKey = new StringBuilder(key.length() + 16);
        SigV4Signer.encode(key, true, encodedKey);
        return new SigV4Signer.Target(base.url() + encodedKey, base.path() + encodedKey, base.host());
    }

    /** A bucket's root as the SDK resolves it: URL and path ending with "/", and the Host header to sign. */
    private record BucketUrl(String url, String path, String host) {
    }

    private BucketUrl bucketUrl(RegionClients region, String bucket) {
        String cacheKey = region.region() + '/' + bucket;
        BucketUrl cached = baseUrls.get(cacheKey);
        if (cached != null) {
            return cached;
        }
        if (baseUrls.size() >= MAX_BUCKETS) {
            baseUrls.clear();
        }
        String probe = region.presigner().presignGetObject(p -> p
                .signatureDuration(Duration.ofMinutes(1))
                .getObjectRequest(g -> g.bucket(bucket).key(PROBE_KEY)
                        .overrideConfiguration(o -> o.credentialsProvider(StaticCredentialsProvider.create(PROBE_CREDENTIALS)))))
                .url().toString();
        String withoutQuery = probe.substring(0, probe.indexOf('?'));
        URI base = URI.create(withoutQuery.substring(0, withoutQuery.length() - PROBE_KEY.length()));
        BucketUrl url = new BucketUrl(base.toString(), base.getRawPath(), base.getHost()
                + (base.getPort() < 0 || base.getPort() == SdkHttpUtils.standardPort(base.getScheme()) ? "" : ":" + base.getPort()));
        baseUrls.put(cacheKey, url);
        return url;
    }
}
