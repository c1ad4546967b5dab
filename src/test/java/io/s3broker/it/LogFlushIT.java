package io.s3broker.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import io.s3broker.testing.LocalS3Sts;
import io.s3broker.testing.PackagedBroker;
import io.s3broker.testing.TestAuth;

/**
 * The console log is written in batches (io.s3broker.logging): the packaged broker, with a flush interval far longer
 * than the test, serves requests and gets SIGTERM right after the last answer; every request's access line and audit
 * line, and shutdown's own last line, are in its output when it has exited.
 * It starts the packaged broker itself ({@link PackagedBroker}: the fast-jar, or the native executable under
 * -Pnative): it must send SIGTERM and read the console the process wrote, and {@code @QuarkusIntegrationTest} gives a
 * test no handle on the process and discards its console (it turns on a file log instead).
 */
class LogFlushIT {

    static final int REQUESTS = 40;

    @Test
    void theLastRecordsAreWrittenBeforeTheBrokerExits() throws Exception {
        int port = GracefulShutdownIT.freePort();
        int management = GracefulShutdownIT.freePort();
        Path log = Path.of("target", "log-flush.log");
        ProcessBuilder builder = PackagedBroker.command()
                .redirectErrorStream(true).redirectOutput(log.toFile());
        builder.environment().putAll(LocalS3Sts.up());
        builder.environment().put("QUARKUS_HTTP_PORT", Integer.toString(port));
        builder.environment().put("QUARKUS_HTTP_HOST", "127.0.0.1");
        builder.environment().put("QUARKUS_MANAGEMENT_PORT", Integer.toString(management));
        builder.environment().put("QUARKUS_MANAGEMENT_HOST", "127.0.0.1");
        builder.environment().put("BROKER_AUTH_API_KEYS", TestAuth.CALLER + ":" + TestAuth.KEY_SHA256);
        builder.environment().put("BROKER_ACCESS_READ", LocalS3Sts.bucket() + "/");
        // Nothing reaches the output by the interval during this test: what is there was written on the way out.
        builder.environment().put("BROKER_LOG_FLUSH_INTERVAL", "60S");
        Process broker = builder.start();
        try {
            GracefulShutdownIT.awaitReady(management, broker, log);
            String run = "log-flush/" + UUID.randomUUID() + "/";
            HttpClient client = HttpClient.newHttpClient();
            for (int i = 0; i < REQUESTS; i++) {
                HttpResponse<String> answer = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port
                        + "/item?bucket=" + LocalS3Sts.bucket() + "&key=" + run + i + "&check=false"))
                        .header("Authorization", TestAuth.BEARER).build(), HttpResponse.BodyHandlers.ofString());
                assertEquals(200, answer.statusCode(), answer.body());
            }
            broker.destroy(); // SIGTERM
            assertTrue(broker.waitFor(40, TimeUnit.SECONDS), "the broker exited after SIGTERM");
            assertEquals(0, broker.exitValue(), "exit code after SIGTERM; log in " + log.toAbsolutePath());

            List<String> lines = Files.readAllLines(log);
            for (int i = 0; i < REQUESTS; i++) {
                String key = run + i;
                assertEquals(1, lines.stream().filter(l -> l.contains("GET /item?") && l.contains(key + "&")
                        && l.contains(" 200 ")).count(), "the access line of request " + i + " in " + log);
                assertEquals(1, lines.stream().filter(l -> l.contains("outcome=granted")
                        && l.contains("target=\"" + key + "\"")).count(), "the audit line of request " + i + " in " + log);
            }
            assertTrue(lines.stream().anyMatch(l -> l.contains("stopped in")), "shutdown's last line in " + log);
        } finally {
            broker.destroyForcibly();
        }
    }
}
