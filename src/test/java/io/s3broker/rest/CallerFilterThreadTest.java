package io.s3broker.rest;

import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import io.vertx.core.Context;
import io.vertx.core.Vertx;

/**
 * A verification that finished on a worker thread which carries the request's context (Quarkus' executor dispatches
 * the submitter's Vert.x context around its tasks, as executeBlocking does here) must still answer on the event
 * loop: an answer written from the worker was overtaken by the connection's close, and the client got nothing.
 */
class CallerFilterThreadTest {

    private final Vertx vertx = Vertx.vertx();

    @AfterEach
    void close() throws Exception {
        vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    @Test
    void anOutcomeFromAWorkerCarryingTheContextRunsOnTheEventLoop() throws Exception {
        Context context = vertx.getOrCreateContext();
        CompletableFuture<Boolean> workerHadTheContext = new CompletableFuture<>();
        CompletableFuture<Thread> ranOn = new CompletableFuture<>();
        CompletableFuture<Thread> loop = new CompletableFuture<>();
        context.runOnContext(ignored -> {
            loop.complete(Thread.currentThread());
            context.executeBlocking(() -> {
                workerHadTheContext.complete(Vertx.currentContext() == context && !Context.isOnEventLoopThread());
                CallerFilter.onContext(context, () -> ranOn.complete(Thread.currentThread()));
                return null;
            });
        });
        assertTrue(workerHadTheContext.get(10, TimeUnit.SECONDS), "the worker ran with the request's context");
        assertSame(loop.get(10, TimeUnit.SECONDS), ranOn.get(10, TimeUnit.SECONDS), "ran on the event loop");
    }

    @Test
    void anOutcomeOnTheEventLoopRunsAtOnce() throws Exception {
        Context context = vertx.getOrCreateContext();
        CompletableFuture<Boolean> atOnce = new CompletableFuture<>();
        context.runOnContext(ignored -> {
            boolean[] ran = { false };
            CallerFilter.onContext(context, () -> ran[0] = true);
            atOnce.complete(ran[0]);
        });
        assertTrue(atOnce.get(10, TimeUnit.SECONDS), "ran before the handler returned");
    }
}
