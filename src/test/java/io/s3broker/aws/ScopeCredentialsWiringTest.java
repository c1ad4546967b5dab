package io.s3broker.aws;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Proxy;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

import jakarta.enterprise.inject.Instance;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.s3broker.credentials.Access;
import io.s3broker.credentials.CredentialsCacheListener;
import io.s3broker.credentials.Grant;
import io.s3broker.credentials.Scope;
import io.s3broker.credentials.ScopeCredentials;
import io.s3broker.credentials.ScopedCredentials;
import io.s3broker.testing.TestConfig;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import software.amazon.awssdk.http.async.SdkAsyncHttpClient;
import software.amazon.awssdk.http.nio.netty.NettyNioAsyncHttpClient;
import software.amazon.awssdk.identity.spi.AwsCredentialsIdentity;
import software.amazon.awssdk.identity.spi.AwsSessionCredentialsIdentity;
import software.amazon.awssdk.identity.spi.ResolveIdentityRequest;
import software.amazon.awssdk.services.s3.S3AsyncClient;
import software.amazon.awssdk.services.sts.StsAsyncClient;
import software.amazon.awssdk.services.sts.model.AssumeRoleRequest;
import software.amazon.awssdk.services.sts.model.AssumeRoleResponse;
import software.amazon.awssdk.services.sts.model.Credentials;

/**
 * Without Ceph: each scope's provider hands out its own cache's credentials, an S3 request signed through it
 * carries that scope's key, and one that names no provider fails before anything is sent, even when the SDK's
 * default chain could find the broker's long-term keys.
 */
class ScopeCredentialsWiringTest {

    private static final Duration SESSION = Duration.ofHours(1);
    private static final String LONG_TERM_KEY = "AKIDBROKERLONGTERM01";

    private static Vertx vertx;
    private static HttpServer s3;
    private static final ConcurrentLinkedQueue<String> authorizations = new ConcurrentLinkedQueue<>();
    private static SdkAsyncHttpClient http;
    private static S3Clients clients;

    /** STS as the cache sees it: every AssumeRole gets new keys, named after the session. */
    private static final AtomicInteger assumed = new AtomicInteger();
    private static final ConcurrentLinkedQueue<AssumeRoleRequest> assumeRequests = new ConcurrentLinkedQueue<>();
    private static final StsAsyncClient STS = new StsAsyncClient() {
        @Override
        public CompletableFuture<AssumeRoleResponse> assumeRole(AssumeRoleRequest request) {
            assumeRequests.add(request);
            int n = assumed.incrementAndGet();
            return CompletableFuture.completedFuture(AssumeRoleResponse.builder().credentials(Credentials.builder()
                    .accessKeyId(String.format("ASIASCOPE%011d", n)).secretAccessKey("secret-" + n)
                    .sessionToken("token-" + n).expiration(Instant.now().plus(SESSION)).build()).build());
        }

        @Override
        public String serviceName() {
            return "sts";
        }

        @Override
        public void close() {
        }
    };

    @BeforeAll
    static void start() throws Exception {
        vertx = Vertx.vertx();
        s3 = vertx.createHttpServer().requestHandler(request -> {
            authorizations.add(String.valueOf(request.getHeader("Authorization")));
            request.response().setStatusCode(200).end();
        }).listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        http = NettyNioAsyncHttpClient.builder().build();
        clients = new S3Clients(TestConfig.of(Map.of("broker.region", "us-east-1",
                "broker.s3.endpoint", "http://127.0.0.1:" + s3.actualPort(), "broker.s3.path-style", "true")), http);
    }

    @AfterAll
    static void stop() {
        clients.close();
        http.close();
        vertx.close().toCompletionStage().toCompletableFuture().join();
    }

    @Test
    void eachScopesProviderResolvesItsOwnCachesCredentials() throws Exception {
        ScopedCredentials scopes = new ScopedCredentials(STS, TestConfig.of(Map.of()), noListeners());
        ScopeCredentials read = scopes.forScope(Scope.of(new Grant(Access.READ, "bucket", "in/"), SESSION));
        ScopeCredentials write = scopes.forScope(Scope.of(new Grant(Access.WRITE, "bucket", "out/"), SESSION));

        AwsSessionCredentialsIdentity readIdentity = resolve(read);
        AwsSessionCredentialsIdentity writeIdentity = resolve(write);
        assertEquals(read.cache().peek().orElseThrow().credentials(), readIdentity);
        assertEquals(write.cache().peek().orElseThrow().credentials(), writeIdentity);
        assertNotEquals(readIdentity.accessKeyId(), writeIdentity.accessKeyId());
        assertEquals(readIdentity, resolve(read), "served from the cache, not fetched again");
        List<String> policies = assumeRequests.stream().map(AssumeRoleRequest::policy).toList();
        assertTrue(policies.contains(scopes.policy(read.scope())), "AssumeRole carried the read scope's policy");
        assertTrue(policies.contains(scopes.policy(write.scope())), "AssumeRole carried the write scope's policy");
    }

    @Test
    void anS3RequestIsSignedWithTheCredentialsOfTheScopeItNames() throws Exception {
        ScopedCredentials scopes = new ScopedCredentials(STS, TestConfig.of(Map.of()), noListeners());
        ScopeCredentials scope = scopes.forScope(Scope.of(new Grant(Access.READ, "bucket", "k"), SESSION));
        authorizations.clear();
        clients.forRegion("us-east-1").retrying().headObject(r -> r.bucket("bucket").key("k")
                .overrideConfiguration(o -> o.credentialsProvider(scope.provider()))).get(10, TimeUnit.SECONDS);
        String scopeKey = scope.cache().peek().orElseThrow().credentials().accessKeyId();
        assertEquals(1, authorizations.size());
        assertTrue(authorizations.peek().contains("Credential=" + scopeKey + "/"), authorizations.peek());
    }

    @Test
    void anS3RequestWithoutAScopeFailsBeforeItIsSent() throws Exception {
        String oldKey = System.getProperty("aws.accessKeyId");
        String oldSecret = System.getProperty("aws.secretAccessKey");
        // The broker's long-term keys, where the SDK's default chain would find them.
        System.setProperty("aws.accessKeyId", LONG_TERM_KEY);
        System.setProperty("aws.secretAccessKey", "long-term-secret");
        try {
            authorizations.clear();
            for (S3AsyncClient client : List.of(clients.forRegion("us-east-1").retrying(),
                    clients.forRegion("us-east-1").singleAttempt())) {
                ExecutionException failure = assertThrows(ExecutionException.class,
                        () -> client.headObject(r -> r.bucket("bucket").key("k")).get(10, TimeUnit.SECONDS));
                assertTrue(chain(failure).contains("sent without the credentials of its scope"), chain(failure));
            }
            assertEquals(List.of(), List.copyOf(authorizations), "nothing reached S3");
        } finally {
            restore("aws.accessKeyId", oldKey);
            restore("aws.secretAccessKey", oldSecret);
        }
        ExecutionException direct = assertThrows(ExecutionException.class, () -> S3Clients.NO_DEFAULT_CREDENTIALS
                .resolveIdentity(ResolveIdentityRequest.builder().build()).get());
        assertEquals(IllegalStateException.class, direct.getCause().getClass());
        assertEquals(AwsCredentialsIdentity.class, S3Clients.NO_DEFAULT_CREDENTIALS.identityType());
    }

    private static AwsSessionCredentialsIdentity resolve(ScopeCredentials scope) throws Exception {
        return (AwsSessionCredentialsIdentity) scope.provider().resolveIdentity(ResolveIdentityRequest.builder().build())
                .get(10, TimeUnit.SECONDS);
    }

    private static String chain(Throwable failure) {
        StringBuilder text = new StringBuilder();
        for (Throwable t = failure; t != null; t = t.getCause()) {
            text.append(t).append(" <- ");
        }
        return text.toString();
    }

    private static void restore(String property, String value) {
        if (value == null) {
            System.clearProperty(property);
        } else {
            System.setProperty(property, value);
        }
    }

    /** The CDI {@link Instance} of listeners, empty: ScopedCredentials only streams it. */
    @SuppressWarnings("unchecked")
    private static Instance<CredentialsCacheListener> noListeners() {
        return (Instance<CredentialsCacheListener>) Proxy.newProxyInstance(Instance.class.getClassLoader(),
                new Class<?>[] {Instance.class}, (proxy, method, args) -> {
                    if (method.getName().equals("stream")) {
                        return Stream.empty();
                    }
                    throw new UnsupportedOperationException(method.getName());
                });
    }
}
