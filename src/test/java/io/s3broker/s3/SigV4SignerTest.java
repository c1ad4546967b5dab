package io.s3broker.s3;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.TreeMap;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import software.amazon.awssdk.auth.credentials.AwsSessionCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.SdkHttpMethod;
import software.amazon.awssdk.http.SdkHttpRequest;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4FamilyHttpSigner;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4HttpSigner;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Configuration;
import software.amazon.awssdk.services.s3.presigner.S3Presigner;
import software.amazon.awssdk.utils.http.SdkHttpUtils;

/** The hand-written presigning must sign exactly as the SDK's own SigV4 signer does, for every kind of input. */
class SigV4SignerTest {

    // Shaped like real session tokens: long, with the characters that need encoding ('+', '/', '=').
    private static final AwsSessionCredentials CREDENTIALS = AwsSessionCredentials.create("ASIAEXAMPLEKEYID0001",
            "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
            "IQoJb3JpZ2luX2VjEJr//////////wEaCXVzLWVhc3QtMSJHMEUCIQD+abc/def+ghi==" + "x".repeat(600) + "+/=~*");
    private static final Instant NOW = Instant.parse("2026-11-25T09:05:03Z");

    private final SigV4Signer signer = new SigV4Signer();

    @ParameterizedTest
    @ValueSource(strings = {"k", "a/b/c.txt", "with space and+plus", "unicode/é漢字😀", "sym !\"#$%&'()*,:;<=>?@[]^`{|}~",
            "trailing/", "//double//slash", "dots/../and/./single"})
    void signsEveryKeyAsTheSdk(String key) {
        assertSameAsSdk("GET", "http://127.0.0.1:7480/broker-test/", key, Map.of(), "us-east-1", Duration.ofSeconds(2400));
    }

    @Test
    void signsVirtualHostedHttpsUrlsInOtherRegionsAsTheSdk() {
        assertSameAsSdk("GET", "https://my-bucket.s3.eu-west-3.amazonaws.com/", "photos/2026/a.png", Map.of(),
                "eu-west-3", Duration.ofHours(12));
    }

    @Test
    void signsPutWithContentTypeAndAclHeadersAsTheSdk() {
        assertSameAsSdk("PUT", "https://s3.us-west-2.amazonaws.com/bucket.with.dots/", "up/load.bin",
                Map.of("content-type", "image/png", "x-amz-acl", "bucket-owner-full-control"), "us-west-2",
                Duration.ofSeconds(1));
    }

    @ParameterizedTest
    @ValueSource(strings = {"http://127.0.0.1:7480/broker-test/", "https://my-bucket.s3.eu-west-3.amazonaws.com/",
            "https://s3.us-west-2.amazonaws.com/bucket.with.dots/"})
    void signsHeadObjectHeadersAsTheSdk(String base) {
        String key = "sym !\"#$%&'()*,:;<=>?@[]^`{|}~/é漢字😀";
        SigV4Signer.Target target = target(base, key);
        Map<String, String> ours = signer.authorize("HEAD", target, "eu-west-3", CREDENTIALS, NOW);

        SdkHttpRequest unsigned = SdkHttpRequest.builder().method(SdkHttpMethod.HEAD)
                .uri(URI.create(base + SdkHttpUtils.urlEncodeIgnoreSlashes(key))).build();
        SdkHttpRequest theirs = AwsV4HttpSigner.create().sign(r -> r.identity(CREDENTIALS).request(unsigned)
                        .putProperty(AwsV4HttpSigner.SERVICE_SIGNING_NAME, "s3")
                        .putProperty(AwsV4HttpSigner.REGION_NAME, "eu-west-3")
                        .putProperty(AwsV4HttpSigner.AUTH_LOCATION, AwsV4FamilyHttpSigner.AuthLocation.HEADER)
                        .putProperty(AwsV4HttpSigner.SIGNING_CLOCK, Clock.fixed(NOW, ZoneOffset.UTC))
                        .putProperty(AwsV4HttpSigner.PAYLOAD_SIGNING_ENABLED, false)
                        .putProperty(AwsV4HttpSigner.DOUBLE_URL_ENCODE, false)
                        .putProperty(AwsV4HttpSigner.NORMALIZE_PATH, false))
                .request();
        assertEquals(theirs.getUri().toString(), target.url());
        ours.forEach((name, value) -> assertEquals(theirs.firstMatchingHeader(name).orElse(null), value, name));
        assertEquals(4, ours.size());
        assertTrue(ours.get("Authorization").contains("Signature="));
    }

    /** The part URLs of browser multipart uploads: partNumber and uploadId are signed with the rest of the query. */
    @ParameterizedTest
    @ValueSource(strings = {"http://127.0.0.1:7480", "https://s3.eu-west-3.amazonaws.com"})
    void signsUploadPartAsTheSdkPresigner(String endpoint) {
        String key = "uploads/alice/0123456789abcdef-my file+ü.bin";
        String uploadId = "2~Jx/+=PWa-zTz_lx.3Qf";
        try (S3Presigner presigner = S3Presigner.builder().region(Region.EU_WEST_3)
                .endpointOverride(URI.create(endpoint))
                .credentialsProvider(StaticCredentialsProvider.create(CREDENTIALS))
                .serviceConfiguration(S3Configuration.builder().pathStyleAccessEnabled(true).build())
                .build()) {
            String theirs = presigner.presignUploadPart(p -> p.signatureDuration(Duration.ofSeconds(900))
                    .uploadPartRequest(u -> u.bucket("broker-test").key(key).uploadId(uploadId).partNumber(10000)))
                    .url().toString();
            Map<String, String> theirQuery = query(theirs, 9);
            Instant signedAt = java.time.format.DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmssX")
                    .parse(theirQuery.get("X-Amz-Date"), Instant::from);

            String ours = signer.presign("PUT", target(endpoint + "/broker-test/", key), Map.of(),
                    Map.of("partNumber", "10000", "uploadId", uploadId), "eu-west-3", CREDENTIALS,
                    Duration.ofSeconds(900), signedAt);
            assertEquals(theirs.substring(0, theirs.indexOf('?')), ours.substring(0, ours.indexOf('?')));
            assertEquals(theirQuery, query(ours, 9));
        }
    }

    @Test
    void refusesOperationParametersThatWouldBreakTheCanonicalOrder() {
        SigV4Signer.Target target = target("http://127.0.0.1:7480/b/", "k");
        org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, () -> signer.presign("PUT",
                target, Map.of(), Map.of("UploadId", "x"), "us-east-1", CREDENTIALS, Duration.ofMinutes(1), NOW));
    }

    @Test
    void reusesNothingAcrossCredentialsOrDays() {
        SigV4Signer.Target target = target("http://127.0.0.1:7480/b/", "k");
        String first = signer.presign("GET", target, Map.of(), "us-east-1", CREDENTIALS, Duration.ofMinutes(1), NOW);
        AwsSessionCredentials rotated = AwsSessionCredentials.create("ASIAOTHERKEYID000002", "other/secret",
                "other+token/");
        String other = signer.presign("GET", target, Map.of(), "us-east-1", rotated, Duration.ofMinutes(1), NOW);
        String nextDay = signer.presign("GET", target, Map.of(), "us-east-1", CREDENTIALS, Duration.ofMinutes(1),
                NOW.plus(Duration.ofDays(1)));
        assertNotEquals(signature(first), signature(other));
        assertEquals(query(sdk("GET", target, Map.of(), "us-east-1", rotated, Duration.ofMinutes(1), NOW)), query(other));
        assertEquals(query(sdk("GET", target, Map.of(), "us-east-1", CREDENTIALS, Duration.ofMinutes(1),
                NOW.plus(Duration.ofDays(1)))), query(nextDay));
    }

    private void assertSameAsSdk(String method, String base, String key, Map<String, String> headers, String region,
            Duration lifetime) {
        SigV4Signer.Target target = target(base, key);
        String ours = signer.presign(method, target, headers, region, CREDENTIALS, lifetime, NOW);
        // The SDK's S3 clients encode keys with this, so the reference URL does not depend on our encoder.
        SigV4Signer.Target reference = new SigV4Signer.Target(base + SdkHttpUtils.urlEncodeIgnoreSlashes(key),
                null, target.host());
        String theirs = sdk(method, reference, headers, region, CREDENTIALS, lifetime, NOW);
        assertEquals(theirs.substring(0, theirs.indexOf('?')), ours.substring(0, ours.indexOf('?')));
        assertEquals(query(theirs), query(ours));
    }

    private static SigV4Signer.Target target(String base, String key) {
        URI uri = URI.create(base);
        StringBuilder encoded = new StringBuilder();
        SigV4Signer.encode(key, true, encoded);
        String host = uri.getHost() + (uri.getPort() < 0 ? "" : ":" + uri.getPort());
        return new SigV4Signer.Target(base + encoded, uri.getRawPath() + encoded, host);
    }

    /** What the SDK's signer makes of the same request, with the settings its S3 presigner uses. */
    private static String sdk(String method, SigV4Signer.Target target, Map<String, String> headers, String region,
            AwsSessionCredentials credentials, Duration lifetime, Instant now) {
        SdkHttpRequest.Builder request = SdkHttpRequest.builder().method(SdkHttpMethod.fromValue(method))
                .uri(URI.create(target.url()));
        headers.forEach(request::putHeader);
        SdkHttpRequest unsigned = request.build();
        return AwsV4HttpSigner.create().sign(r -> r.identity(credentials).request(unsigned)
                        .putProperty(AwsV4HttpSigner.SERVICE_SIGNING_NAME, "s3")
                        .putProperty(AwsV4HttpSigner.REGION_NAME, region)
                        .putProperty(AwsV4HttpSigner.AUTH_LOCATION, AwsV4FamilyHttpSigner.AuthLocation.QUERY_STRING)
                        .putProperty(AwsV4HttpSigner.EXPIRATION_DURATION, lifetime)
                        .putProperty(AwsV4HttpSigner.SIGNING_CLOCK, Clock.fixed(now, ZoneOffset.UTC))
                        .putProperty(AwsV4HttpSigner.PAYLOAD_SIGNING_ENABLED, false)
                        .putProperty(AwsV4HttpSigner.DOUBLE_URL_ENCODE, false)
                        .putProperty(AwsV4HttpSigner.NORMALIZE_PATH, false))
                .request().getUri().toString();
    }

    /** The query's parameters, still encoded: the order may differ, the names and encoded values may not. */
    private static Map<String, String> query(String url) {
        return query(url, 7);
    }

    private static Map<String, String> query(String url, int expected) {
        Map<String, String> params = new TreeMap<>();
        for (String pair : url.substring(url.indexOf('?') + 1).split("&")) {
            int eq = pair.indexOf('=');
            params.put(pair.substring(0, eq), pair.substring(eq + 1));
        }
        assertEquals(expected, params.size(), () -> "parameters " + params.keySet());
        return params;
    }

    private static String signature(String url) {
        return query(url).get("X-Amz-Signature");
    }
}
