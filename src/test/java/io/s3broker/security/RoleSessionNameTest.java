package io.s3broker.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.s3broker.config.S3Names;
import io.s3broker.credentials.Access;
import io.s3broker.credentials.Grant;
import io.s3broker.credentials.Scope;
import io.s3broker.credentials.SessionPolicy;
import io.s3broker.credentials.StsCredentialsSource;
import io.s3broker.testing.LocalS3Sts;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsSessionCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.SdkResponse;
import software.amazon.awssdk.core.exception.SdkServiceException;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.sts.StsAsyncClient;
import software.amazon.awssdk.services.sts.model.AssumeRoleResponse;

/**
 * The RoleSessionName the broker sends for a scope (Scope.sessionName with broker.role-session-name in front, as
 * ScopedCredentials builds it) names the scope readably, ends with a digest that tells scopes apart, fits STS's 64
 * characters of [\w+=,.@-] for the longest scope there can be, and is accepted by the local RGW: the broker's own
 * StsCredentialsSource, made as ScopedCredentials makes it, fetches the scope's credentials, and the AssumeRole
 * response the SDK client recorded names the session in its AssumedRoleUser ARN.
 */
class RoleSessionNameTest {

    static final Pattern STS_NAME = Pattern.compile("[\\w+=,.@-]{2,64}");
    static final Pattern DIGEST_TAIL = Pattern.compile(".*-[0-9a-f]{12}");
    static final Duration HOUR = Duration.ofHours(1);
    /** The longest broker.role-session-name BrokerConfig accepts (32 characters). */
    static final String LONGEST_PREFIX = "s3-sts-broker-prod-eu-central-1x";
    /** 63 characters, the longest bucket name S3 allows. */
    static final String LONGEST_BUCKET = "a23456789.b23456789-c23456789.d23456789-e23456789.f23456789-g23";
    static final String LONG_PREFIX = "tenants/0123456789abcdef/projects/" + "deeply-nested/".repeat(12) + "uploads/";

    static StsAsyncClient sts;
    static SessionPolicy policies;
    /** The AssumeRole responses the client received, as the SDK hands them to its interceptors. */
    static final ConcurrentLinkedQueue<AssumeRoleResponse> responses = new ConcurrentLinkedQueue<>();

    @BeforeAll
    static void sts() {
        sts = StsAsyncClient.builder()
                .endpointOverride(URI.create(LocalS3Sts.get("BROKER_STS_ENDPOINT")))
                .region(Region.of(LocalS3Sts.get("BROKER_REGION")))
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(
                        LocalS3Sts.get("AWS_ACCESS_KEY_ID"), LocalS3Sts.get("AWS_SECRET_ACCESS_KEY"))))
                .overrideConfiguration(o -> o.addExecutionInterceptor(new ExecutionInterceptor() {
                    @Override
                    public void afterExecution(Context.AfterExecution context, ExecutionAttributes attributes) {
                        SdkResponse response = context.response();
                        if (response instanceof AssumeRoleResponse assumed) {
                            responses.add(assumed);
                        }
                    }
                }))
                .build();
        policies = new SessionPolicy(LocalS3Sts.get("BROKER_ROLE_ARN"), Optional.empty());
    }

    @AfterAll
    static void close() {
        sts.close();
    }

    /**
     * The scope's credentials from the broker's own source, made with the arguments ScopedCredentials gives it, and
     * the AssumeRole response they came in.
     */
    static AssumeRoleResponse assumeRoleAs(Scope scope, String sessionName) {
        StsCredentialsSource source = new StsCredentialsSource(sts, LocalS3Sts.get("BROKER_ROLE_ARN"), scope,
                sessionName, policies.forScope(scope), Duration.ofSeconds(10), Runnable::run);
        responses.clear();
        AwsSessionCredentials credentials;
        try {
            credentials = source.fetch().toCompletableFuture().get(20, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            throw new CompletionException(e.getCause());
        } catch (Exception e) {
            throw new AssertionError(e);
        }
        assertEquals(1, responses.size(), "one AssumeRole call per fetch");
        AssumeRoleResponse response = responses.poll();
        assertEquals(response.credentials().accessKeyId(), credentials.accessKeyId(), "the source's credentials");
        return response;
    }

    static void assertStsShaped(String name) {
        assertTrue(name.length() <= 64, name.length() + " characters: " + name);
        assertTrue(STS_NAME.matcher(name).matches(), "only [\\w+=,.@-]: " + name);
        assertTrue(DIGEST_TAIL.matcher(name).matches(), "ends with the scope's digest: " + name);
    }

    @Test
    void theLongestScopeHasAShortValidNameThatStillSaysWhichScope() {
        assertTrue(S3Names.isValidBucket(LONGEST_BUCKET) && LONGEST_BUCKET.length() == 63, LONGEST_BUCKET);
        Scope write = Scope.of(new Grant(Access.WRITE, LONGEST_BUCKET, LONG_PREFIX), HOUR);
        String name = write.sessionName(LONGEST_PREFIX);
        assertStsShaped(name);
        assertEquals(64, name.length(), "the readable part is cut to fit, not dropped: " + name);
        assertTrue(name.startsWith(LONGEST_PREFIX + ".w.a23456789.b2345"), name);

        // Scopes that differ only beyond the cut, or only in their access, still get names of their own.
        Scope sibling = Scope.of(new Grant(Access.WRITE, LONGEST_BUCKET, LONG_PREFIX.replace("uploads/", "uploadz/")),
                HOUR);
        Scope read = Scope.of(new Grant(Access.READ, LONGEST_BUCKET, LONG_PREFIX), HOUR);
        assertNotEquals(name, sibling.sessionName(LONGEST_PREFIX));
        assertNotEquals(name, read.sessionName(LONGEST_PREFIX));
        assertEquals(name, Scope.of(new Grant(Access.WRITE, LONGEST_BUCKET, LONG_PREFIX), HOUR)
                .sessionName(LONGEST_PREFIX), "the same scope, the same name (one CloudTrail identity per scope)");
    }

    @Test
    void aShortScopeIsNamedInFull() {
        Scope read = Scope.of(new Grant(Access.READ, "photos", "public/"), HOUR);
        String name = read.sessionName("s3-sts-broker");
        assertStsShaped(name);
        assertTrue(name.startsWith("s3-sts-broker.r.photos.public.-"), name);
        String vended = new Scope(List.of(new Grant(Access.READ, "photos", "public/")), "alice",
                Duration.ofMinutes(15)).sessionName("s3-sts-broker");
        assertTrue(vended.startsWith("s3-sts-broker.vend.alice-"), vended);
        assertTrue(Scope.probe(HOUR).sessionName("s3-sts-broker").startsWith("s3-sts-broker.probe-"));
    }

    @Test
    void rgwAcceptsTheNamesOfTheLongestScopesAndReportsThemInTheAssumedRoleArn() {
        String oddCaller = "user:42|ünïcödé with spaces and a very long subject@example.com/" + "x".repeat(80);
        List<Scope> scopes = List.of(
                Scope.of(new Grant(Access.WRITE, LONGEST_BUCKET, LONG_PREFIX), HOUR),
                Scope.of(new Grant(Access.READ, LONGEST_BUCKET, LONG_PREFIX), HOUR),
                new Scope(List.of(new Grant(Access.READ, LONGEST_BUCKET, LONG_PREFIX),
                        new Grant(Access.WRITE, LONGEST_BUCKET, LONG_PREFIX)), oddCaller, Duration.ofMinutes(15)),
                Scope.probe(HOUR));
        for (Scope scope : scopes) {
            String name = scope.sessionName(LONGEST_PREFIX);
            assertStsShaped(name);
            AssumeRoleResponse response = assumeRoleAs(scope, name);
            assertNotNull(response.credentials().accessKeyId(), name);
            String arn = response.assumedRoleUser().arn();
            assertTrue(arn.endsWith("/" + name), "the session shows under its name: " + arn + " for " + name);
        }
    }

    @Test
    void rgwRefusesANameOverStsLimitSoTheAcceptanceAboveMeansSomething() {
        Scope scope = Scope.of(new Grant(Access.READ, "broker-test", "x/"), HOUR);
        String tooLong = "s".repeat(65);
        try {
            assumeRoleAs(scope, tooLong);
            throw new AssertionError("RGW took a RoleSessionName of 65 characters");
        } catch (CompletionException e) {
            assertTrue(e.getCause() instanceof SdkServiceException, e.toString());
            assertEquals(400, ((SdkServiceException) e.getCause()).statusCode(), e.getCause().toString());
        }
    }
}
