package io.s3broker.s3;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;

import io.s3broker.config.BrokerConfig;
import io.smallrye.mutiny.Uni;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import software.amazon.awssdk.awscore.exception.AwsErrorDetails;
import software.amazon.awssdk.core.exception.ApiCallTimeoutException;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.http.SdkHttpRequest;
import software.amazon.awssdk.http.SdkHttpResponse;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * Sends the HeadObject of GET /item?check=true over Vert.x's HTTP client, on the event loop of the request it
 * serves, instead of through the SDK's S3 client. Measured on the local gateway (JFR, bench/item-bench.sh): the
 * SDK's async pipeline (interceptors, endpoint and auth scheme rules, marshalling, its own Netty threads and the
 * hop to its completion executor) took more than half of the broker's CPU per check, 0.5 ms of it, and that CPU
 * is what keeps a check from costing no more than the HEAD it makes. A HEAD has no body to marshal or parse, so
 * what is left to do by hand is small: the request is signed by the SDK's own SigV4 signer (see
 * {@link UrlSigner}), and failures come back as the SDK's exceptions, so {@link S3Errors} maps them as before.
 * Every other S3 call still goes through the SDK.
 */
@ApplicationScoped
public class HeadObjectClient {

    /** Attempts after the first, like the SDK's standard retry mode (three attempts in all). */
    static final int RETRIES = 2;
    static final Duration FIRST_BACKOFF = Duration.ofMillis(25);
    static final Duration MAX_BACKOFF = Duration.ofMillis(500);

    private final HttpClient http;

    public HeadObjectClient(Vertx vertx, BrokerConfig config) {
        HttpClientOptions options = new HttpClientOptions()
                .setName("s3-head")
                .setKeepAlive(true)
                .setTcpKeepAlive(true)
                .setConnectTimeout(5_000)
                // The JDK's trust store and host name check, as the SDK's clients use, for https endpoints.
                .setVerifyHost(true);
        http = vertx.createHttpClient(options, new PoolOptions().setHttp1MaxSize(config.s3().maxConnections()));
    }

    /**
     * Completes when S3 answers 2xx; fails with the {@link S3Exception} of S3's status otherwise (with the
     * response's headers, so that a wrong region can be told), with {@link ApiCallTimeoutException} after
     * {@code timeout} (retries included), or with {@link SdkClientException} when S3 cannot be reached. Server
     * errors, throttling and lost connections are retried with backoff, since a HEAD can always be sent again.
     */
    public Uni<Void> head(SdkHttpRequest signed, Duration timeout) {
        RequestOptions request = new RequestOptions()
                .setMethod(HttpMethod.HEAD)
                .setAbsoluteURI(signed.getUri().toString())
                .setHeaders(headers(signed.headers()))
                .setIdleTimeout(timeout.toMillis());
        return Uni.createFrom().completionStage(() -> http.request(request)
                        .compose(sent -> sent.send())
                        .compose(response -> response.end().map(ended -> response))
                        .toCompletionStage())
                .onFailure().transform(e -> SdkClientException.create("S3 could not be reached: " + e.getMessage(), e))
                .onItem().transformToUni(HeadObjectClient::outcome)
                .onFailure(HeadObjectClient::retryable)
                .retry().withBackOff(FIRST_BACKOFF, MAX_BACKOFF).withJitter(0.5).atMost(RETRIES)
                .ifNoItem().after(timeout)
                .failWith(() -> ApiCallTimeoutException.create(timeout.toMillis()));
    }

    private static Uni<Void> outcome(HttpClientResponse response) {
        int status = response.statusCode();
        if (status / 100 == 2) {
            return Uni.createFrom().voidItem();
        }
        SdkHttpResponse.Builder details = SdkHttpResponse.builder().statusCode(status);
        response.headers().forEach(details::appendHeader);
        return Uni.createFrom().failure(S3Exception.builder()
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

    private static MultiMap headers(Map<String, List<String>> signed) {
        MultiMap headers = MultiMap.caseInsensitiveMultiMap();
        signed.forEach(headers::add);
        return headers;
    }

    @PreDestroy
    void close() {
        http.close();
    }
}
