package io.s3broker.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
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
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import io.s3broker.testing.LocalS3Sts;
import io.s3broker.testing.PackagedBroker;
import io.s3broker.testing.RawUpload;
import io.s3broker.testing.TestAuth;

/**
 * SIGTERM on the packaged broker: readiness turns DOWN at once, a request in flight finishes within the grace
 * period (quarkus.shutdown.timeout), and the uploads that cannot finish (chunked, and a PUT with a Content-Length)
 * are cancelled, answered 503 JSON and leave nothing in S3; the broker exits 0.
 * It starts the packaged broker itself ({@link PackagedBroker}: the fast-jar, or the native executable under
 * -Pnative), because it must signal the process, which {@code @QuarkusIntegrationTest} gives a test no handle on.
 */
class GracefulShutdownIT {

    static final int MIB = 1 << 20;

    @Test
    void finishesWhatItCanAbortsWhatItCannotAndExitsCleanly() throws Exception {
        int port = freePort();
        int management = freePort();
        Path log = Path.of("target", "graceful-shutdown.log");
        ProcessBuilder builder = PackagedBroker.command()
                .redirectErrorStream(true).redirectOutput(log.toFile());
        builder.environment().putAll(LocalS3Sts.up());
        builder.environment().put("QUARKUS_HTTP_PORT", Integer.toString(port));
        builder.environment().put("QUARKUS_MANAGEMENT_PORT", Integer.toString(management));
        builder.environment().put("QUARKUS_HTTP_HOST", "127.0.0.1");
        builder.environment().put("QUARKUS_MANAGEMENT_HOST", "127.0.0.1");
        builder.environment().put("QUARKUS_SHUTDOWN_TIMEOUT", "4S");
        builder.environment().put("BROKER_AUTH_API_KEYS", TestAuth.CALLER + ":" + TestAuth.KEY_SHA256);
        builder.environment().put("BROKER_ACCESS_WRITE", LocalS3Sts.bucket() + "/");
        Process broker = builder.start();
        try {
            awaitReady(management, broker, log);
            String bucket = LocalS3Sts.bucket();
            String stuck = "shutdown/stuck-" + UUID.randomUUID();
            String finishing = "shutdown/finishing-" + UUID.randomUUID();

            // An upload that never ends: its client keeps the connection open and sends nothing more.
            Socket stuckClient = new Socket("127.0.0.1", port);
            OutputStream stuckOut = stuckClient.getOutputStream();
            stuckOut.write(("PUT /item?bucket=" + bucket + "&key=" + stuck + " HTTP/1.1\r\nHost: localhost\r\n" + TestAuth.HEADER_LINE
                    + "Transfer-Encoding: chunked\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            RawUpload.writeChunks(stuckOut, 20 * MIB);
            awaitOpenMultipartUpload(stuck);

            // A PUT with a Content-Length that stops halfway: one streamed PutObject, which only cancelling its SDK
            // call stops.
            String stuckPut = "shutdown/stuck-put-" + UUID.randomUUID();
            Socket stuckPutClient = new Socket("127.0.0.1", port);
            OutputStream stuckPutOut = stuckPutClient.getOutputStream();
            stuckPutOut.write(("PUT /item?bucket=" + bucket + "&key=" + stuckPut + " HTTP/1.1\r\nHost: localhost\r\n"
                    + TestAuth.HEADER_LINE + "Content-Length: " + (40 * MIB) + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            stuckPutOut.write(new byte[10 * MIB]);
            stuckPutOut.flush();

            // An upload that is still arriving when the signal comes, and ends well within the grace period.
            Socket finishingClient = new Socket("127.0.0.1", port);
            OutputStream finishingOut = finishingClient.getOutputStream();
            int size = 12 * MIB;
            finishingOut.write(("PUT /item?bucket=" + bucket + "&key=" + finishing + " HTTP/1.1\r\nHost: localhost\r\n" + TestAuth.HEADER_LINE
                    + "Content-Length: " + size + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            finishingOut.write(new byte[size / 2]);
            finishingOut.flush();

            long signalled = System.nanoTime();
            broker.destroy(); // SIGTERM
            CompletableFuture<String> finishingAnswer = CompletableFuture.supplyAsync(() -> {
                try {
                    Thread.sleep(1000);
                    finishingOut.write(new byte[size / 2]);
                    finishingOut.flush();
                    return readStatusLine(finishingClient.getInputStream());
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });

            int readiness = awaitReadinessDown(management);
            assertEquals(503, readiness, "readiness turns DOWN as soon as shutdown starts");
            assertTrue(System.nanoTime() - signalled < TimeUnit.SECONDS.toNanos(3), "readiness turned DOWN at once");
            assertTrue(finishingAnswer.get(20, TimeUnit.SECONDS).contains(" 201 "),
                    "the request in flight finished within the grace period");
            for (Socket stuckOne : List.of(stuckClient, stuckPutClient)) {
                stuckOne.setSoTimeout(30_000);
                String answer = RawUpload.readAnswer(stuckOne.getInputStream());
                assertTrue(answer.startsWith("HTTP/1.1 503 "), "an upload cut short by shutdown is answered: " + answer);
                assertTrue(answer.contains("\"ServiceUnavailable\""), answer);
                assertTrue(answer.toLowerCase().contains("content-type: application/json"), answer);
            }
            assertTrue(broker.waitFor(40, TimeUnit.SECONDS), "the broker exited after SIGTERM");
            long took = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - signalled);
            assertEquals(0, broker.exitValue(), "exit code after SIGTERM; log in " + log.toAbsolutePath());
            assertTrue(took >= 3_000, "the stuck upload was given the grace period, not cut at once: " + took + " ms");

            assertEquals(0, LocalS3Sts.admin().listMultipartUploads(l -> l.bucket(bucket).prefix(stuck)).join()
                    .uploads().size(), "open multipart uploads of the aborted upload");
            assertTrue(Files.readString(log).contains("aborting 2 upload(s)"), "the log says what shutdown aborted");
            assertEquals(0, LocalS3Sts.admin().listObjectsV2(l -> l.bucket(bucket).prefix(stuckPut)).join().keyCount(),
                    "the cancelled PUT with a Content-Length stored nothing");
            LocalS3Sts.admin().headObject(h -> h.bucket(bucket).key(finishing)).join();
            LocalS3Sts.admin().deleteObject(d -> d.bucket(bucket).key(finishing)).join();
            stuckClient.close();
            stuckPutClient.close();
            finishingClient.close();
        } finally {
            broker.destroyForcibly();
        }
    }

    static void awaitOpenMultipartUpload(String key) throws InterruptedException {
        for (int i = 0; i < 100; i++) {
            if (!LocalS3Sts.admin().listMultipartUploads(l -> l.bucket(LocalS3Sts.bucket()).prefix(key)).join()
                    .uploads().isEmpty()) {
                return;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("the stuck upload never started its multipart upload");
    }

    static String readStatusLine(InputStream in) throws Exception {
        StringBuilder line = new StringBuilder();
        for (int c; (c = in.read()) >= 0 && c != '\n'; ) {
            line.append((char) c);
        }
        return line.toString();
    }

    /** The status of the first readiness probe answered after the signal (the server still takes requests). */
    static int awaitReadinessDown(int managementPort) throws Exception {
        HttpClient client = HttpClient.newHttpClient();
        int status = 0;
        for (int i = 0; i < 30 && status != 503; i++) {
            status = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + managementPort + "/q/health/ready"))
                    .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.discarding()).statusCode();
            Thread.sleep(50);
        }
        return status;
    }

    static void awaitReady(int managementPort, Process broker, Path log) throws Exception {
        HttpClient client = HttpClient.newHttpClient();
        for (int i = 0; i < 600; i++) {
            if (!broker.isAlive()) {
                throw new AssertionError("the broker died at start-up:\n" + Files.readString(log));
            }
            try {
                HttpResponse<Void> ready = client.send(HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + managementPort + "/q/health/ready")).build(), HttpResponse.BodyHandlers.discarding());
                if (ready.statusCode() == 200) {
                    return;
                }
            } catch (java.io.IOException notYet) {
                // not listening yet
            }
            Thread.sleep(100);
        }
        throw new AssertionError("the broker did not get ready:\n" + Files.readString(log));
    }

    static int freePort() throws Exception {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
