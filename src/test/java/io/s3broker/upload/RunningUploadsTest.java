package io.s3broker.upload;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import org.junit.jupiter.api.Test;

/** The shutdown cut-off of running uploads, on a timer driven by hand. */
class RunningUploadsTest {

    /** An upload that records what shutdown asks of it. */
    static final class Recorded implements RunningUploads.Running {
        final CompletableFuture<UploadResult> result = new CompletableFuture<>();
        Throwable aborted;

        @Override
        public void abort(Throwable reason) {
            aborted = reason;
            result.completeExceptionally(reason);
        }

        @Override
        public CompletableFuture<UploadResult> result() {
            return result;
        }
    }

    @Test
    void uploadsStillRunningAMarginBeforeTheGracePeriodEndsAreCancelledThen() {
        RunningUploads running = new RunningUploads();
        Recorded upload = new Recorded();
        Recorded finished = new Recorded();
        running.add(upload);
        running.add(finished);
        finished.result.complete(new UploadResult("b", "k", 1, "e"));
        List<Long> delays = new ArrayList<>();
        List<Runnable> tasks = new ArrayList<>();
        running.shutdownStarted(Duration.ofSeconds(2), Duration.ofSeconds(30), (millis, task) -> {
            delays.add(millis);
            tasks.add(task);
        });
        assertEquals(List.of(27_000L), delays, "delay 2 s + grace 30 s - margin 5 s");
        assertNull(upload.aborted, "nothing is cancelled when shutdown starts");
        assertEquals(1, running.size());
        tasks.get(0).run();
        assertEquals(UploadFailure.Kind.SHUTTING_DOWN, ((UploadFailure) upload.aborted).kind());
        assertNull(finished.aborted);
        assertEquals(0, running.size());
    }

    @Test
    void anUploadThatStartsOnceUploadsAreBeingCancelledIsCancelledAtOnce() {
        RunningUploads running = new RunningUploads();
        running.abortAll();
        Recorded late = new Recorded();
        running.add(late);
        assertTrue(late.aborted instanceof UploadFailure);
    }

    @Test
    void theMarginIsAQuarterOfAShortGracePeriod() {
        assertEquals(Duration.ofSeconds(3), RunningUploads.cutOff(Duration.ZERO, Duration.ofSeconds(4)));
        assertEquals(Duration.ofSeconds(25), RunningUploads.cutOff(Duration.ZERO, Duration.ofSeconds(30)));
        assertEquals(Duration.ZERO, RunningUploads.cutOff(Duration.ZERO, Duration.ZERO));
    }
}
