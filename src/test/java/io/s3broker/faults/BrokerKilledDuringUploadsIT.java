package io.s3broker.faults;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.OutputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import io.s3broker.testing.LocalS3Sts;
import io.s3broker.testing.PackagedBroker;
import io.s3broker.testing.RawUpload;
import io.s3broker.testing.TestAuth;
import software.amazon.awssdk.services.s3.model.MultipartUpload;

/**
 * The packaged broker killed with SIGKILL in the middle of two chunked uploads: nothing it can do, and the multipart
 * uploads it had opened stay open. After a restart there is no object from them, and the bucket's lifecycle rule
 * (AbortIncompleteMultipartUpload, as the README tells to set) aborts them. The local gateway counts a lifecycle day
 * as 5 s (scripts/local-s3-sts.sh), so that the rule acts within seconds here.
 * It starts the packaged broker itself ({@link PackagedBroker}: the fast-jar, or the native executable under
 * -Pnative), because it kills the process and starts another in the same test, which {@code @QuarkusIntegrationTest}
 * (one process per class, stopped by Quarkus) does not let a test do.
 */
class BrokerKilledDuringUploadsIT {

    static final String PREFIX = "killed-uploads/";
    static final int MIB = 1 << 20;

    @Test
    void afterARestartNothingOfTheUploadsIsStoredAndTheLifecycleRuleAbortsTheirParts() throws Exception {
        String bucket = LocalS3Sts.bucket();
        LocalS3Sts.admin().putBucketLifecycleConfiguration(l -> l.bucket(bucket).lifecycleConfiguration(c -> c.rules(r -> r
                .id("abort-incomplete-uploads").status("Enabled").filter(f -> f.prefix(PREFIX))
                .abortIncompleteMultipartUpload(a -> a.daysAfterInitiation(1))))).join();
        String run = PREFIX + UUID.randomUUID() + "/";
        List<Socket> clients = new ArrayList<>();
        Process broker = start("first");
        try {
            for (int i = 0; i < 2; i++) {
                Socket client = new Socket("127.0.0.1", ports[0]);
                OutputStream out = client.getOutputStream();
                out.write(("PUT /item?bucket=" + bucket + "&key=" + run + "upload-" + i + " HTTP/1.1\r\nHost: localhost\r\n"
                        + TestAuth.HEADER_LINE + "Transfer-Encoding: chunked\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                RawUpload.writeChunks(out, 12 * MIB);
                clients.add(client);
            }
            long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (openUploads(run).size() < 2) {
                assertTrue(System.nanoTime() < until, "the uploads did not open their multipart uploads");
                Thread.sleep(100);
            }
            broker.destroyForcibly(); // SIGKILL: no shutdown hook, no abort
            assertTrue(broker.waitFor(20, TimeUnit.SECONDS));
            assertEquals(137, broker.exitValue(), "killed by SIGKILL");
            assertEquals(2, openUploads(run).size(), "the killed broker could abort nothing");
        } finally {
            broker.destroyForcibly();
            for (Socket client : clients) {
                client.close();
            }
        }

        Process restarted = start("restarted");
        try {
            long restartedAt = System.nanoTime();
            assertEquals(0, LocalS3Sts.admin().listObjectsV2(l -> l.bucket(bucket).prefix(run)).join().keyCount(),
                    "no object from the killed uploads");
            long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (!openUploads(run).isEmpty()) {
                assertTrue(System.nanoTime() < until, "the lifecycle rule did not abort " + openUploads(run));
                Thread.sleep(500);
            }
            System.out.println("[killed-uploads] the lifecycle rule aborted the killed broker's multipart uploads "
                    + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - restartedAt) + " ms after the restart");
            assertEquals(0, LocalS3Sts.admin().listObjectsV2(l -> l.bucket(bucket).prefix(run)).join().keyCount());
        } finally {
            restarted.destroy();
            restarted.waitFor(30, TimeUnit.SECONDS);
            LocalS3Sts.admin().deleteBucketLifecycle(d -> d.bucket(bucket)).join();
        }
    }

    /** The public and the management port of the brokers this test starts. */
    private final int[] ports = { freePort(), freePort() };

    /** Starts the packaged broker and waits until it is ready. */
    private Process start(String name) throws Exception {
        Path log = Path.of("target", "killed-uploads-" + name + ".log");
        ProcessBuilder builder = PackagedBroker.command()
                .redirectErrorStream(true).redirectOutput(log.toFile());
        builder.environment().putAll(LocalS3Sts.up());
        builder.environment().put("QUARKUS_HTTP_HOST", "127.0.0.1");
        builder.environment().put("QUARKUS_HTTP_PORT", Integer.toString(ports[0]));
        builder.environment().put("QUARKUS_MANAGEMENT_HOST", "127.0.0.1");
        builder.environment().put("QUARKUS_MANAGEMENT_PORT", Integer.toString(ports[1]));
        builder.environment().put("BROKER_AUTH_API_KEYS", TestAuth.CALLER + ":" + TestAuth.KEY_SHA256);
        builder.environment().put("BROKER_ACCESS_WRITE", LocalS3Sts.bucket() + "/" + PREFIX);
        Process broker = builder.start();
        HttpClient http = HttpClient.newHttpClient();
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < until) {
            assertTrue(broker.isAlive(), "the broker died at start-up:\n" + Files.readString(log));
            try {
                if (http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + ports[1] + "/q/health/ready"))
                        .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
                    return broker;
                }
            } catch (java.io.IOException notYet) {
                // not listening yet
            }
            Thread.sleep(100);
        }
        broker.destroyForcibly();
        throw new AssertionError("the broker did not get ready:\n" + Files.readString(log));
    }

    private static List<MultipartUpload> openUploads(String prefix) {
        return LocalS3Sts.admin().listMultipartUploads(l -> l.bucket(LocalS3Sts.bucket()).prefix(prefix)).join().uploads();
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
