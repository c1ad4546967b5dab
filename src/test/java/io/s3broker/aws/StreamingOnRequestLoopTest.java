package io.s3broker.aws;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.s3broker.config.BrokerConfig;
import io.s3broker.testing.TestConfig;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.HttpServer;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.async.AsyncRequestBody;
import software.amazon.awssdk.http.async.SdkAsyncHttpClient;
import software.amazon.awssdk.services.s3.S3AsyncClient;

/**
 * A body streamed from an event loop goes through that loop's own S3 connections, and its call completes there
 * (docs/decisions/0017-s3-calls-on-the-request-loop.md). The S3 side is a stub HTTP server: what is checked is on
 * which thread the SDK works, not what S3 does with the bytes (UploadRoundTripTest covers that against RGW).
 */
class StreamingOnRequestLoopTest {

    private static final String REGION = "us-east-1";

    private static Vertx vertx;
    private static HttpServer stub;
    private static LoopHttpClients loops;
    private static SdkAsyncHttpClient shared;
    private static S3Clients clients;
    private static final AtomicInteger puts = new AtomicInteger();

    @BeforeAll
    static void start() throws Exception {
        vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(3));
        stub = vertx.createHttpServer()
                .requestHandler(request -> request.body().onSuccess(body -> {
                    puts.incrementAndGet();
                    request.response().putHeader("ETag", "\"stub\"").end();
                }))
                .listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        BrokerConfig config = TestConfig.of(Map.of("broker.region", REGION,
                "broker.s3.endpoint", "http://127.0.0.1:" + stub.actualPort(), "broker.s3.path-style", "true"));
        SdkHttpClientProducer producer = new SdkHttpClientProducer();
        shared = producer.httpClient(config);
        loops = producer.loopHttpClients(config, vertx);
        clients = new S3Clients(config, shared, loops);
    }

    @AfterAll
    static void stop() {
        clients.close();
        loops.close();
        shared.close();
        vertx.close().toCompletionStage().toCompletableFuture().join();
    }

    @Test
    void everyEventLoopHasItsOwnClient() {
        assertEquals(3, loops.byLoop().size());
        assertEquals(3, clients.forRegion(REGION).singleAttemptByLoop().size());
    }

    @Test
    void offAnEventLoopTheSharedClientStreams() {
        RegionClients region = clients.forRegion(REGION);
        assertSame(region.singleAttempt(), region.streaming());
    }

    @Test
    void aBodyStreamedFromAnEventLoopIsSentAndAnsweredOnThatLoop() throws Exception {
        // Two contexts, most likely on two loops: each call stays on its own.
        for (int i = 0; i < 2; i++) {
            Context context = vertx.getOrCreateContext();
            CompletableFuture<Thread> loopThread = new CompletableFuture<>();
            CompletableFuture<Thread> completedOn = new CompletableFuture<>();
            CompletableFuture<String> etag = new CompletableFuture<>();
            context.runOnContext(ignored -> {
                loopThread.complete(Thread.currentThread());
                S3AsyncClient client = clients.forRegion(REGION).streaming();
                assertNotSame(clients.forRegion(REGION).singleAttempt(), client);
                client.putObject(put -> put.bucket("bucket").key("key-" + puts.get())
                        .overrideConfiguration(o -> o.credentialsProvider(StaticCredentialsProvider.create(
                                AwsBasicCredentials.create("AKIDEXAMPLE", "secret")))),
                        AsyncRequestBody.fromString("twelve bytes"))
                        .whenComplete((response, error) -> {
                            completedOn.complete(Thread.currentThread());
                            if (error != null) {
                                etag.completeExceptionally(error);
                            } else {
                                etag.complete(response.eTag());
                            }
                        });
            });
            assertEquals("\"stub\"", etag.get(10, TimeUnit.SECONDS));
            Thread loop = loopThread.get(10, TimeUnit.SECONDS);
            assertTrue(loop.getName().startsWith("vert.x-eventloop-thread-"), loop.getName());
            assertSame(loop, completedOn.get(10, TimeUnit.SECONDS), "the call completed on another thread");
        }
    }
}
