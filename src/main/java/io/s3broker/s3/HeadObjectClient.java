package io.s3broker.s3;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;

import io.s3broker.config.BrokerConfig;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import software.amazon.awssdk.awscore.exception.AwsErrorDetails;
import software.amazon.awssdk.core.exception.ApiCallTimeoutException;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.http.SdkHttpResponse;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * Sends the HeadObject of GET /item?check=true over Vert.x's HTTP client, on the event loop of the request it
 * serves, with the SDK's retry rules and exception types; every other S3 call goes through the SDK. Why not the
 * SDK's client: docs/decisions/0002-headobject-over-vertx.md
 */
@ApplicationScoped
public class HeadObjectClient {

    /**
     * Attempts after the first, as many as the broker's SDK clients make in the SDK's default (legacy) retry mode:
     * four attempts in all (HeadObjectClientTest counts both).
     */
    static final int RETRIES = 3;
    static final Duration FIRST_BACKOFF = Duration.ofMillis(25);
    static final Duration MAX_BACKOFF = Duration.ofMillis(500);

    private final Vertx vertx;
    private final HttpClientOptions options;
    private final PoolOptions pool;
    /** For callers off the event loops (the first request for a new region continues on a worker thread). */
    private final HttpClient shared;
    /**
     * One client per event loop: a pooled connection belongs to the event loop that opened it, and a request from
     * another loop would have its response handed over between threads. With a pool per loop, a check and its
     * HEAD run on one thread from start to end.
     */
    private final Map<Thread, HttpClient> byEventLoop = new ConcurrentHashMap<>();

    public HeadObjectClient(Vertx vertx, BrokerConfig config) {
        this.vertx = vertx;
        this.options = new HttpClientOptions()
                .setName("s3-head")
                .setKeepAlive(true)
                .setTcpKeepAlive(true)
                .setConnectTimeout(5_000)
                // The JDK's trust store and host name check, as the SDK's clients use, for https endpoints.
                .setVerifyHost(true);
        this.pool = new PoolOptions().setHttp1MaxSize(config.s3().maxConnections());
        this.shared = vertx.createHttpClient(options, pool);
    }

    private HttpClient client() {
        Context context = Vertx.currentContext();
        if (context == null || !context.isEventLoopContext() || !Context.isOnEventLoopThread()) {
            return shared;
        }
        return byEventLoop.computeIfAbsent(Thread.currentThread(), loop -> vertx.createHttpClient(options, pool));
    }

    /** A HeadObject request: the object's URL and the headers that sign it, as the SDK's client would send them. */
    record SignedHead(String url, Map<String, String> headers) {
    }

    /**
     * Completes when S3 answers 2xx; fails with the {@link S3Exception} of S3's status otherwise (with the
     * response's headers, so that a wrong region can be told), with {@link ApiCallTimeoutException} after
     * {@code timeout} (retries included), or with {@link SdkClientException} when S3 cannot be reached. Server
     * errors, throttling and lost connections are retried with backoff, since a HEAD can always be sent again.
     */
    Uni<Void> head(SignedHead signed, Duration timeout) {
        MultiMap headers = MultiMap.caseInsensitiveMultiMap();
        signed.headers().forEach(headers::add);
        RequestOptions request = new RequestOptions()
                .setMethod(HttpMethod.HEAD)
                .setAbsoluteURI(signed.url())
                .setHeaders(headers)
                .setIdleTimeout(timeout.toMillis());
        return Uni.createFrom().completionStage(() -> send(request).toCompletionStage())
                .onFailure(HeadObjectClient::retryable)
                .retry().withBackOff(FIRST_BACKOFF, MAX_BACKOFF).withJitter(0.5).atMost(RETRIES)
                .ifNoItem().after(timeout)
                .failWith(() -> ApiCallTimeoutException.create(timeout.toMillis()));
    }

    private Future<Void> send(RequestOptions request) {
        return client().request(request)
                .compose(HttpClientRequest::send)
                .compose(response -> response.end().transform(ended -> ended.succeeded()
                        ? outcome(response) : Future.failedFuture(ended.cause())))
                .recover(e -> Future.failedFuture(e instanceof S3Exception ? e
                        : SdkClientException.create("S3 could not be reached: " + e.getMessage(), e)));
    }

    private static Future<Void> outcome(HttpClientResponse response) {
        int status = response.statusCode();
        if (status / 100 == 2) {
            return Future.succeededFuture();
        }
        SdkHttpResponse.Builder details = SdkHttpResponse.builder().statusCode(status);
        response.headers().forEach(details::appendHeader);
        return Future.failedFuture(S3Exception.builder()
                .statusCode(status)
                .message("S3 answered " + status + " to HeadObject")
                .awsErrorDetails(AwsErrorDetails.builder().sdkHttpResponse(details.build()).build())
                .build());
    }

    /** What the SDK's standard retry mode retries for a call without a body: 5xx, throttling, I/O failures. */
    static boolean retryable(Throwable failure) {
        if (failure instanceof S3Exception s3) {
            return s3.statusCode() >= 500 || s3.statusCode() == 429;
        }
        return failure instanceof SdkClientException;
    }

    @PreDestroy
    void close() {
        shared.close();
        byEventLoop.values().forEach(HttpClient::close);
    }
}
