package io.s3broker.rest;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.lessThan;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import org.junit.jupiter.api.Test;

import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.s3broker.testing.LocalS3Sts;
import io.s3broker.testing.LocalS3StsResource;

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
}
