package io.s3broker.logging;

import java.time.Duration;
import java.util.logging.Handler;

import jakarta.annotation.Priority;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;

import org.jboss.logmanager.ExtHandler;
import org.jboss.logmanager.LogContext;
import org.jboss.logmanager.handlers.ConsoleHandler;

import io.quarkus.runtime.StartupEvent;
import io.s3broker.config.BrokerConfig;

/**
 * Puts the console handler that Quarkus configured (quarkus.log.console.*, its format and JSON switch included)
 * behind a {@link BatchingHandler} once the broker starts; records of the start itself are written at once. Quarkus
 * takes custom handlers only from extensions, so the handler is swapped in here, through JBoss LogManager's API.
 * When the application stops, Quarkus closes the log handlers after its last line ("stopped in"): closing the batching
 * handler writes what waits, and whatever is logged after that is written at once (LogFlushIT).
 */
@Singleton
public class LogBatching {

    void install(@Observes @Priority(1) StartupEvent event, BrokerConfig config) {
        install(config.log().flushInterval());
    }

    static void install(Duration flushInterval) {
        for (Handler top : LogContext.getLogContext().getLogger("").getHandlers()) {
            if (!(top instanceof ExtHandler parent)) {
                continue;
            }
            Handler[] nested = parent.getHandlers();
            boolean changed = false;
            for (int i = 0; i < nested.length; i++) {
                if (nested[i] instanceof ConsoleHandler console) {
                    console.setAutoFlush(false); // the batch flushes it, once
                    nested[i] = new BatchingHandler(console, flushInterval);
                    changed = true;
                }
            }
            if (changed) {
                parent.setHandlers(nested);
            }
        }
    }
}
