package io.s3broker.s3;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import io.s3broker.aws.S3Clients;
import io.s3broker.aws.S3ClientsLifecycle;
import io.s3broker.credentials.CachedCredentials;
import io.s3broker.testing.TestConfig;
import software.amazon.awssdk.auth.credentials.AwsSessionCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.async.SdkAsyncHttpClient;
import software.amazon.awssdk.http.nio.netty.NettyNioAsyncHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Configuration;
import software.amazon.awssdk.services.s3.presigner.S3Presigner;

/**
 * The URLs {@link UrlPresigner} builds ({@link BucketUrls}' bucket base URL, signed by {@link SigV4Signer}) are the
 * SDK's {@link S3Presigner}'s, character for character, for every way S3 addresses a bucket. The broker's clients
 * are built by {@link S3Clients} from configuration, FIPS and dual-stack from the SDK's own system properties (the
 * way a deployment turns them on); the reference presigner is configured explicitly.
 */
class BucketUrlsTest {

    private static final AwsSessionCredentials CREDENTIALS = AwsSessionCredentials.create("ASIAEXAMPLEKEYID0001",
            "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "IQoJb3JpZ2luX2VjEJr//////////wEa+abc/def==" + "t".repeat(300));
    private static final String ODD_KEY = "photos/2026/a b+c%d~e=f&g?h#i;j ü 漢 😀/x.png";
    private static final SdkAsyncHttpClient HTTP = NettyNioAsyncHttpClient.builder().build();

    /** One way of addressing buckets: what the broker is configured with, and the same for the SDK's presigner. */
    record Addressing(String name, String region, boolean pathStyle, String endpoint, boolean fips, boolean dualstack) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<Arguments> cases() {
        Addressing[] addressings = {
            new Addressing("virtual host, us-east-1", "us-east-1", false, null, false, false),
            new Addressing("virtual host, eu-west-3", "eu-west-3", false, null, false, false),
            new Addressing("path style, eu-west-3", "eu-west-3", true, null, false, false),
            new Addressing("aws-cn", "cn-north-1", false, null, false, false),
            new Addressing("aws-cn, path style", "cn-northwest-1", true, null, false, false),
            new Addressing("aws-us-gov", "us-gov-west-1", false, null, false, false),
            new Addressing("FIPS", "us-east-1", false, null, true, false),
            new Addressing("FIPS, aws-us-gov", "us-gov-east-1", false, null, true, false),
            new Addressing("dual-stack", "eu-west-1", false, null, false, true),
            new Addressing("dual-stack, aws-cn", "cn-north-1", false, null, false, true),
            new Addressing("FIPS and dual-stack", "us-east-2", false, null, true, true),
            new Addressing("endpoint override, path style", "us-east-1", true, "http://127.0.0.1:7480", false, false),
            new Addressing("endpoint override, https port", "eu-west-1", true, "https://s3.example.test:9443", false,
                    false),
            new Addressing("endpoint override, virtual host", "eu-west-1", false, "https://s3.example.test", false,
                    false),
        };
        return Stream.of(addressings).flatMap(a -> Stream.of("my-bucket", "bucket.with.dots", "a-b.c-d.e0")
                .flatMap(bucket -> Stream.of("k", ODD_KEY).map(key -> Arguments.of(a, bucket, key))));
    }

    @ParameterizedTest(name = "{0}: {1} / {2}")
    @MethodSource("cases")
    void presignsGetAsTheSdk(Addressing addressing, String bucket, String key) {
        try (Broker broker = new Broker(addressing); S3Presigner sdk = sdkPresigner(addressing)) {
            ObjectLocation object = new ObjectLocation(addressing.region(), bucket, key);
            sameSecond(() -> broker.presigner.presignGet(object, credentials(), Duration.ofMinutes(10)).url(),
                    () -> sdk.presignGetObject(p -> p.signatureDuration(Duration.ofMinutes(10))
                            .getObjectRequest(g -> g.bucket(bucket).key(key))).url().toString());
        }
    }

    @ParameterizedTest(name = "{0}: {1} / {2}")
    @MethodSource("cases")
    void presignsPutWithSignedHeadersAsTheSdk(Addressing addressing, String bucket, String key) {
        try (Broker broker = new Broker(addressing); S3Presigner sdk = sdkPresigner(addressing)) {
            ObjectLocation object = new ObjectLocation(addressing.region(), bucket, key);
            PresignedUrl[] ours = new PresignedUrl[1];
            sameSecond(() -> (ours[0] = broker.presigner.presignPut(object, 1234, Optional.of("image/png"),
                            Optional.of("bucket-owner-full-control"), credentials(), Duration.ofSeconds(90))).url(),
                    () -> sdk.presignPutObject(p -> p.signatureDuration(Duration.ofSeconds(90))
                            .putObjectRequest(r -> r.bucket(bucket).key(key).contentType("image/png")
                                    .contentLength(1234L).acl("bucket-owner-full-control"))).url().toString());
            assertEquals(URI.create(ours[0].url()).getHost() + port(URI.create(ours[0].url())),
                    ours[0].signedHeaders().get("host").get(0));
        }
    }

    /** Our URL and the SDK's, signed within one second so that their dates agree, must be equal (query order aside). */
    private static void sameSecond(java.util.function.Supplier<String> ours, java.util.function.Supplier<String> sdk) {
        for (int attempt = 0; ; attempt++) {
            String mine = ours.get();
            String theirs = sdk.get();
            if (!query(mine).get("X-Amz-Date").equals(query(theirs).get("X-Amz-Date")) && attempt < 5) {
                continue;
            }
            assertEquals(theirs.substring(0, theirs.indexOf('?')), mine.substring(0, mine.indexOf('?')));
            assertEquals(query(theirs), query(mine));
            return;
        }
    }

    private static String port(URI uri) {
        return uri.getPort() < 0 ? "" : ":" + uri.getPort();
    }

    private static CachedCredentials credentials() {
        Instant now = Instant.now();
        return new CachedCredentials(CREDENTIALS, now.plus(Duration.ofHours(1)), now.plus(Duration.ofMinutes(30)));
    }

    private static S3Presigner sdkPresigner(Addressing a) {
        S3Presigner.Builder builder = S3Presigner.builder()
                .region(Region.of(a.region()))
                .credentialsProvider(StaticCredentialsProvider.create(CREDENTIALS))
                .fipsEnabled(a.fips())
                .dualstackEnabled(a.dualstack())
                .serviceConfiguration(S3Configuration.builder().pathStyleAccessEnabled(a.pathStyle()).build());
        if (a.endpoint() != null) {
            builder.endpointOverride(URI.create(a.endpoint()));
        }
        return builder.build();
    }

    /** The broker's presigning as the application assembles it, from configuration. */
    private static final class Broker implements AutoCloseable {
        private final S3Clients clients;
        final UrlPresigner presigner;

        Broker(Addressing a) {
            Map<String, String> config = new HashMap<>(Map.of("broker.region", a.region(),
                    "broker.s3.path-style", Boolean.toString(a.pathStyle())));
            if (a.endpoint() != null) {
                config.put("broker.s3.endpoint", a.endpoint());
            }
            // How an operator turns FIPS and dual-stack on: the SDK's settings, read when the clients are built.
            System.setProperty("aws.useFipsEndpoint", Boolean.toString(a.fips()));
            System.setProperty("aws.useDualstackEndpoint", Boolean.toString(a.dualstack()));
            try {
                clients = new S3Clients(TestConfig.of(config), HTTP);
            } finally {
                System.clearProperty("aws.useFipsEndpoint");
                System.clearProperty("aws.useDualstackEndpoint");
            }
            presigner = new UrlPresigner(clients, new BucketUrls(), new SigV4Signer());
        }

        @Override
        public void close() {
            S3ClientsLifecycle.close(clients);
        }
    }

    @AfterAll
    static void closeHttp() {
        HTTP.close();
    }

    private static Map<String, String> query(String url) {
        Map<String, String> params = new TreeMap<>();
        for (String pair : url.substring(url.indexOf('?') + 1).split("&")) {
            int eq = pair.indexOf('=');
            params.put(pair.substring(0, eq), pair.substring(eq + 1));
        }
        assertTrue(params.containsKey("X-Amz-Signature"), url);
        return params;
    }
}
