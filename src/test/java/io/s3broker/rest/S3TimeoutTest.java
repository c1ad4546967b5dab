package io.s3broker.rest;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.lessThan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import org.junit.jupiter.api.Test;

import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.RestAssured;
import io.s3broker.testing.LocalS3Sts;
import io.s3broker.testing.LocalS3StsResource;
import io.s3broker.testing.TestAuth;

/** S3 accepts connections and never answers: the broker gives up after broker.s3.timeout with a 504. */
@QuarkusTest
@TestProfile(S3TimeoutTest.SilentS3.class)
@WithTestResource(LocalS3StsResource.class)
class S3TimeoutTest {

    /** A TCP server that accepts and then says nothing: a hung S3, which no real server can be made into. */
    static final class SilentServer {
        static final ServerSocket SOCKET;
        static final List<Socket> HELD = new CopyOnWriteArrayList<>();

        static {
            try {
                SOCKET = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
            Thread acceptor = new Thread(() -> {
                while (!SOCKET.isClosed()) {
                    try {
                        HELD.add(SOCKET.accept());
                    } catch (IOException e) {
                        return;
                    }
                }
            }, "silent-s3");
            acceptor.setDaemon(true);
            acceptor.start();
        }
    }

    public static class SilentS3 implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("broker.s3.endpoint", "http://127.0.0.1:" + SilentServer.SOCKET.getLocalPort(),
                    "broker.s3.timeout", "1S");
        }
    }

    @Test
    void answersUpstreamTimeoutWithinTheConfiguredBound() {
        given().queryParam("bucket", LocalS3Sts.bucket()).queryParam("key", "k")
                .when().get("/item")
                .then().statusCode(504)
                .time(lessThan(5_000L))
                .contentType("application/json")
                .body("error.code", equalTo("UpstreamTimeout"));
    }

    /**
     * An upload of unknown length, larger than a part, starts a multipart upload, which this S3 never answers: the
     * client gets its 504
     * after broker.s3.timeout, not after broker.upload.part-timeout (2 minutes), and not only after three abort
     * attempts of that length (there is no upload id to abort).
     */
    @Test
    void answersAStalledUploadWithinTheMetadataBound() throws Exception {
        URI url = URI.create("http://127.0.0.1:" + RestAssured.port
                + "/item?bucket=" + LocalS3Sts.bucket() + "&key=stalled");
        long start = System.nanoTime();
        // An InputStream of unknown length: chunked transfer encoding.
        HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(url)
                        .header("Authorization", TestAuth.BEARER)
                        .PUT(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(new byte[8 * 1024 * 1024 + 1])))
                        .timeout(Duration.ofSeconds(30))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        long millis = Duration.ofNanos(System.nanoTime() - start).toMillis();
        assertEquals(504, response.statusCode(), response.body());
        assertTrue(response.body().contains("\"UpstreamTimeout\""), response.body());
        assertTrue(millis < 10_000, "answered after " + millis + " ms");
    }
}
