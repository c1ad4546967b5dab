package io.s3broker.logging;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Level;
import java.util.stream.IntStream;

import org.jboss.logmanager.ExtHandler;
import org.jboss.logmanager.ExtLogRecord;
import org.jboss.logmanager.MDC;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The batching handler in front of a handler that records what reaches it. */
class BatchingHandlerTest {

    /** Longer than any test: records reach the target only through a flush, close, or an early wake. */
    static final Duration NEVER = Duration.ofHours(1);

    final Target target = new Target();
    BatchingHandler handler;

    @AfterEach
    void close() {
        if (handler != null) {
            handler.close();
        }
    }

    @Test
    void publishingWritesNothingAndAFlushWritesEverythingInOrderWithOneFlushOfTheTarget() {
        handler = new BatchingHandler(target, NEVER);
        IntStream.range(0, 100).forEach(i -> handler.publish(record("line " + i)));
        assertEquals(List.of(), target.messages, "the caller wrote nothing itself and woke no writer");

        handler.flush();
        assertEquals(IntStream.range(0, 100).mapToObj(i -> "line " + i).toList(), target.messages);
        assertEquals(1, target.flushes.get(), "one flush for the batch, not one per record");
    }

    @Test
    void theWriterWritesEveryFlushInterval() throws InterruptedException {
        handler = new BatchingHandler(target, Duration.ofMillis(20));
        handler.publish(record("first"));
        awaitMessages(1);
        handler.publish(record("second"));
        awaitMessages(2);
        assertEquals(List.of("first", "second"), target.messages);
    }

    @Test
    void aBurstWakesTheWriterBeforeItsInterval() throws InterruptedException {
        handler = new BatchingHandler(target, NEVER);
        IntStream.range(0, BatchingHandler.WAKE_AT).forEach(i -> handler.publish(record("line " + i)));
        awaitMessages(BatchingHandler.WAKE_AT);
    }

    @Test
    void closeWritesWhatWaitsAndRecordsAfterItAreWrittenAtOnce() {
        handler = new BatchingHandler(target, NEVER);
        handler.publish(record("before"));
        handler.close();
        assertEquals(List.of("before"), target.messages);
        handler.publish(record("after"));
        assertEquals(List.of("before", "after"), target.messages);
        assertTrue(target.open, "closing the batching handler leaves its target open");
    }

    @Test
    void theCallersMdcTravelsWithTheRecord() {
        handler = new BatchingHandler(target, NEVER);
        MDC.put("audit.caller", "alice");
        try {
            handler.publish(record("granted"));
        } finally {
            MDC.remove("audit.caller");
        }
        handler.flush();
        assertEquals(List.of("alice"), target.callers, "the MDC as it was when the record was logged");
    }

    private void awaitMessages(int count) throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (target.messages.size() < count && System.nanoTime() < end) {
            Thread.sleep(5);
        }
        assertEquals(count, target.messages.size(), "records written by the writer thread");
    }

    private static ExtLogRecord record(String message) {
        return new ExtLogRecord(Level.INFO, message, ExtLogRecord.FormatStyle.NO_FORMAT, BatchingHandlerTest.class.getName());
    }

    static final class Target extends ExtHandler {
        final List<String> messages = new CopyOnWriteArrayList<>();
        final List<String> callers = new CopyOnWriteArrayList<>();
        final AtomicInteger flushes = new AtomicInteger();
        volatile boolean open = true;

        @Override
        protected void doPublish(ExtLogRecord record) {
            messages.add(record.getMessage());
            String caller = record.getMdc("audit.caller");
            if (caller != null) {
                callers.add(caller);
            }
        }

        @Override
        public void flush() {
            flushes.incrementAndGet();
        }

        @Override
        public void close() {
            open = false;
        }
    }
}
