package io.s3broker;

import io.quarkus.runtime.Quarkus;
import io.quarkus.runtime.annotations.QuarkusMain;
import sun.misc.Signal;

/**
 * Starts the broker. On SIGTERM the JVM's own handler runs the shutdown hooks and exits with 143, which
 * orchestrators count as a failed container; here SIGTERM asks Quarkus for the same graceful shutdown (stop
 * accepting, let requests finish within quarkus.shutdown.timeout, abort uploads that cannot) and exit code 0.
 */
@QuarkusMain
public final class Main {

    private Main() {
    }

    public static void main(String... args) {
        Signal.handle(new Signal("TERM"), signal -> Quarkus.asyncExit(0));
        Quarkus.run(args);
    }
}
