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

    /**
     * Quarkus' HTTP server refuses a target that java.net.URI cannot parse (a malformed percent-escape, say) with an
     * empty 400 before any route runs; off, such requests reach CallerFilter, which answers a JSON 400 like every
     * other bad input. Read once, when Quarkus' HTTP recorder is initialized. docs/decisions/0016-uri-validation.md
     */
    static final String URI_VALIDATION_OFF = "vertx.disableURIValidation";

    public static void main(String... args) {
        if (System.getProperty(URI_VALIDATION_OFF) == null) {
            System.setProperty(URI_VALIDATION_OFF, "true");
        }
        Signal.handle(new Signal("TERM"), signal -> Quarkus.asyncExit(0));
        Quarkus.run(null, Main::exit, args);
    }

    /**
     * Says on stderr, directly, why start-up failed: the console log is asynchronous, and a broker refusing a bad
     * setting exited before its queued lines (the reason, naming the setting) were written (StartupRefusalIT).
     */
    private static void exit(int status, Throwable failure) {
        if (failure != null) {
            StringBuilder why = new StringBuilder("s3-sts-broker could not start:");
            for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
                why.append("\n  ").append(t);
            }
            System.err.println(why);
            System.err.flush();
        }
        System.exit(status);
    }
}
