package io.s3broker.logging;

import java.time.Duration;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;
import java.util.logging.Handler;

import org.jboss.logmanager.ExtHandler;
import org.jboss.logmanager.ExtLogRecord;

/**
 * Hands log records to its nested handlers in batches, from one writer thread that wakes once per flush interval
 * (as nginx's {@code access_log ... buffer= flush=} and Envoy's flush interval do), and flushes them once per batch.
 * Logging a record costs the caller (an event loop, mostly) a queue insertion and no thread wake-up: JBoss
 * LogManager's AsyncHandler, the only asynchronous handler Quarkus offers, wakes its thread for every record that
 * finds it idle, and has no flush interval to configure (docs/decisions/0026-batched-log-writes.md).
 * Nothing is dropped: with {@link #WAKE_AT} records waiting the writer is woken early, and at {@link #WRITE_AT} the
 * caller writes the batch itself. {@link #flush()} and {@link #close()} write everything queued before they return.
 */
public final class BatchingHandler extends ExtHandler {

    /** Records waiting that wake the writer before its interval ends: a burst is written in pieces of this size. */
    static final int WAKE_AT = 1024;
    /** Records waiting at which a caller writes them itself, bounding the queue's memory when the writer lags. */
    static final int WRITE_AT = 16 * WAKE_AT;

    private final ConcurrentLinkedQueue<ExtLogRecord> queue = new ConcurrentLinkedQueue<>();
    private final AtomicInteger waiting = new AtomicInteger();
    private final ReentrantLock writing = new ReentrantLock();
    private final long intervalNanos;
    private final Thread writer;
    private volatile boolean closed;

    public BatchingHandler(Handler target, Duration flushInterval) {
        if (flushInterval.isNegative() || flushInterval.isZero()) {
            throw new IllegalArgumentException("the flush interval must be positive: " + flushInterval);
        }
        intervalNanos = flushInterval.toNanos();
        addHandler(target);
        setLevel(target.getLevel());
        // Closing this handler stops its writer, not the console: what is logged afterwards is still written.
        setCloseChildren(false);
        writer = new Thread(this::run, "log-writer");
        writer.setDaemon(true);
        writer.start();
    }

    @Override
    protected void doPublish(ExtLogRecord record) {
        // As AsyncHandler does: the record is formatted on another thread, after the caller's MDC has changed.
        if (isCallerCalculationRequired()) {
            record.copyAll();
        } else {
            record.disableCallerCalculation();
            record.copyMdc();
        }
        queue.offer(record);
        int count = waiting.incrementAndGet();
        if (closed || count >= WRITE_AT) {
            // After close (whose last write may have run before this offer), and when the writer lags far behind.
            writeWaiting();
        } else if (count == WAKE_AT) {
            LockSupport.unpark(writer);
        }
    }

    private void run() {
        while (!closed) {
            LockSupport.parkNanos(this, intervalNanos);
            writeWaiting();
        }
    }

    /** Publishes every waiting record, in order, then flushes the nested handlers once. */
    private void writeWaiting() {
        writing.lock();
        try {
            boolean wrote = false;
            for (ExtLogRecord record; (record = queue.poll()) != null; ) {
                waiting.decrementAndGet();
                publishToNestedHandlers(record);
                wrote = true;
            }
            if (wrote) {
                for (Handler handler : getHandlers()) {
                    handler.flush();
                }
            }
        } finally {
            writing.unlock();
        }
    }

    @Override
    public void flush() {
        writeWaiting();
    }

    /** Writes what is queued; records published afterwards are written by their callers at once. */
    @Override
    public void close() {
        closed = true;
        LockSupport.unpark(writer);
        writeWaiting();
        super.close();
    }
}
