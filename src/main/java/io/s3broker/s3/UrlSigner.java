package io.s3broker.s3;

import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.SdkHttpMethod;
import software.amazon.awssdk.http.SdkHttpRequest;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4FamilyHttpSigner;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4HttpSigner;
import software.amazon.awssdk.http.auth.spi.signer.SignRequest;
import software.amazon.awssdk.http.auth.spi.signer.SignedRequest;
import software.amazon.awssdk.identity.spi.AwsCredentialsIdentity;
import software.amazon.awssdk.identity.spi.AwsSessionCredentialsIdentity;
import software.amazon.awssdk.utils.http.SdkHttpUtils;

/**
 * Presigns S3 URLs (with {@link QueryStringSigner}) and signs the HeadObject requests the broker sends itself (see
 * {@link HeadObjectClient}, with the SDK's SigV4 signer). The SDK's S3Presigner runs a whole request pipeline
 * (marshalling, interceptors, endpoint rules) per call: measured at two thirds of the CPU of GET
 * /item?check=false. Here that pipeline runs once per region and bucket, to learn the bucket's base URL as the
 * SDK resolves it (path or virtual-host style, partition, FIPS...); each URL is then signed on that base.
 */
final class UrlSigner {

    /** Bucket names are client input: bound the cache of their base URLs. */
    private static final int MAX_BUCKETS = 10_000;
    private static final String PROBE_KEY = "k";
    private static final AwsBasicCredentials PROBE_CREDENTIALS = AwsBasicCredentials.create("probe", "probe");

    private final AwsV4HttpSigner signer = AwsV4HttpSigner.create();
    private final QueryStringSigner querySigner = new QueryStringSigner();
    private final Map<String, BucketUrl> baseUrls = new ConcurrentHashMap<>();

    PresignedUrl sign(RegionClients region, SdkHttpMethod method, String bucket, String key, Map<String, String> headers,
            AwsSessionCredentialsIdentity credentials, Duration lifetime, Instant now) {
        QueryStringSigner.Target target = target(region, bucket, key);
        String url = querySigner.presign(method.name(), target, headers, region.region(), credentials, lifetime, now);
        Map<String, List<String>> signedHeaders = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        signedHeaders.put("host", List.of(target.host()));
        headers.forEach((name, value) -> signedHeaders.put(name, List.of(value)));
        return new PresignedUrl(url, method.name(), signedHeaders, now.plus(lifetime));
    }

    /** A HeadObject request signed in its headers, as the SDK's client would send it. */
    SdkHttpRequest signHeadObject(RegionClients region, String bucket, String key,
            AwsSessionCredentialsIdentity credentials, Instant now) {
        SdkHttpRequest unsigned = SdkHttpRequest.builder()
                .method(SdkHttpMethod.HEAD)
                .uri(URI.create(target(region, bucket, key).url()))
                .build();
        return signer.sign(r -> s3Dialect(r, region, credentials, now)
                .request(unsigned)
                .putProperty(AwsV4HttpSigner.AUTH_LOCATION, AwsV4FamilyHttpSigner.AuthLocation.HEADER))
                .request();
    }

    /** S3's SigV4 dialect, as the SDK's S3 clients sign: unsigned payload, no double encoding, no path normalisation. */
    private static SignRequest.Builder<AwsCredentialsIdentity> s3Dialect(
            SignRequest.Builder<AwsCredentialsIdentity> request, RegionClients region,
            AwsSessionCredentialsIdentity credentials, Instant now) {
        return request.identity(credentials)
                .putProperty(AwsV4HttpSigner.SERVICE_SIGNING_NAME, "s3")
                .putProperty(AwsV4HttpSigner.REGION_NAME, region.region())
                .putProperty(AwsV4HttpSigner.SIGNING_CLOCK, Clock.fixed(now, ZoneOffset.UTC))
                .putProperty(AwsV4HttpSigner.PAYLOAD_SIGNING_ENABLED, false)
                .putProperty(AwsV4HttpSigner.DOUBLE_URL_ENCODE, false)
                .putProperty(AwsV4HttpSigner.NORMALIZE_PATH, false);
    }

    private QueryStringSigner.Target target(RegionClients region, String bucket, String key) {
        BucketUrl base = bucketUrl(region, bucket);
        StringBuilder encodedKey = new StringBuilder(key.length() + 16);
        QueryStringSigner.encode(key, true, encodedKey);
        return new QueryStringSigner.Target(base.url() + encodedKey, base.path() + encodedKey, base.host());
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
