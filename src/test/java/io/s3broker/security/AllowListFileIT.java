package io.s3broker.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.s3broker.testing.LocalS3Sts;
import io.s3broker.testing.PackagedBroker;
import io.s3broker.testing.S3As;
import io.s3broker.testing.TestAuth;

/**
 * Per-caller allow-lists from a properties file named by QUARKUS_CONFIG_LOCATIONS, as the Kubernetes manifests carry
 * them (deploy/kubernetes/base/access.properties): the packaged broker started with such a file lets the caller it
 * names read and write where the file says and nowhere else (403 AccessDenied), while another caller gets the file's
 * default lists. The file has the shape of the manifests' one, with this server's bucket.
 * It starts the packaged broker itself ({@link PackagedBroker}: the fast-jar, or the native executable under
 * -Pnative) with an environment scrubbed of every list: {@code @QuarkusIntegrationTest} hands the process this JVM's
 * environment and the test resources' settings as system properties, which outrank the file under test.
 */
class AllowListFileIT {

    static final String ORDERS = "orders";
    static final String ORDERS_KEY = "orders-key-8c7b6a5948372615aabbccdd";
    static final String GUEST = "guest";
    static final String GUEST_KEY = "guest-key-00112233445566778899aabbcc";
    static final ObjectMapper JSON = new ObjectMapper();

    static Process broker;
    static Path log;
    static int port;
    static int managementPort;

    @BeforeAll
    static void startWithAnAllowListFile() throws Exception {
        String b = LocalS3Sts.bucket();
        Path dir = Files.createDirectories(Path.of("target", "allow-list-file-it"));
        Path file = dir.resolve("access.properties").toAbsolutePath();
        Files.writeString(file, String.join("\n",
                "# Every caller, unless it has lists of its own below.",
                "broker.access.read=" + b + "/public/",
                "broker.access.write=",
                "# One caller's own lists replace the default ones for it.",
                "broker.access.callers.\"" + ORDERS + "\".read=" + b + "/orders/," + b + "/shared/",
                "broker.access.callers.\"" + ORDERS + "\".write=" + b + "/orders/incoming/",
                ""));
        log = dir.resolve("broker.log");
        port = StartupRefusalIT.freePort();
        managementPort = StartupRefusalIT.freePort();
        ProcessBuilder builder = PackagedBroker.command()
                .redirectErrorStream(true).redirectOutput(log.toFile());
        // Nothing from this JVM's environment may set the lists: only the file does.
        builder.environment().keySet().removeIf(name -> name.startsWith("BROKER_ACCESS") || name.startsWith("QUARKUS_"));
        builder.environment().putAll(LocalS3Sts.up());
        builder.environment().put("QUARKUS_HTTP_PORT", Integer.toString(port));
        builder.environment().put("QUARKUS_MANAGEMENT_PORT", Integer.toString(managementPort));
        builder.environment().put("QUARKUS_MANAGEMENT_HOST", "127.0.0.1");
        builder.environment().put("QUARKUS_HTTP_HOST", "127.0.0.1");
        builder.environment().put("QUARKUS_CONFIG_LOCATIONS", file.toString());
        builder.environment().put("BROKER_PREFETCH_ON_START", "false");
        builder.environment().put("BROKER_AUTH_API_KEYS", TestAuth.pair(ORDERS, ORDERS_KEY) + "," + TestAuth.pair(GUEST, GUEST_KEY));
        broker = builder.start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (true) {
            if (!broker.isAlive()) {
                throw new AssertionError("the broker exited (" + broker.exitValue() + "): " + Files.readString(log));
            }
            try {
                if (RawHttp.sendManagement(managementPort, "GET /q/health/ready HTTP/1.1\r\n").status() == 200) {
                    return;
                }
            } catch (IllegalStateException notListeningYet) {
                // keep polling
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("the broker was not ready within 120 s: " + Files.readString(log));
            }
            Thread.sleep(500);
        }
    }

    @AfterAll
    static void stop() throws Exception {
        if (broker != null) {
            broker.destroy();
            if (!broker.waitFor(30, TimeUnit.SECONDS)) {
                broker.destroyForcibly();
            }
        }
    }

    static HttpResponse<String> request(String method, String pathAndQuery, String callerKey, String body) {
        HttpRequest.Builder builder = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + pathAndQuery))
                .timeout(Duration.ofSeconds(60))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (callerKey != null) {
            builder.header("Authorization", "Bearer " + callerKey);
        }
        return S3As.send(builder.build());
    }

    static String item(String key) {
        return "/item?bucket=" + LocalS3Sts.bucket() + "&key=" + key + "&check=false";
    }

    static String uploadUrl(String key) {
        return "/item/upload-url?bucket=" + LocalS3Sts.bucket() + "&key=" + key + "&size=1";
    }

    static void assertAllowed(HttpResponse<String> response, int status, String what) {
        assertEquals(status, response.statusCode(), what + ": " + response.body());
    }

    static void assertDenied(HttpResponse<String> response, String what) throws Exception {
        assertEquals(403, response.statusCode(), what + ": " + response.body());
        JsonNode body = JSON.readTree(response.body());
        assertEquals("AccessDenied", body.path("error").path("code").asText(), what + ": " + response.body());
    }

    @Test
    void theCallerNamedInTheFileGetsItsOwnListsAndNothingElse() throws Exception {
        String run = UUID.randomUUID().toString();
        assertAllowed(request("GET", item("orders/" + run), ORDERS_KEY, null), 200, "orders reads orders/");
        assertAllowed(request("GET", item("shared/" + run), ORDERS_KEY, null), 200, "orders reads shared/");
        assertAllowed(request("GET", uploadUrl("orders/incoming/" + run), ORDERS_KEY, null), 200,
                "orders may write orders/incoming/");
        HttpResponse<String> put = request("PUT", "/item?bucket=" + LocalS3Sts.bucket() + "&key=orders/incoming/put-" + run,
                ORDERS_KEY, "from the file's allow-list");
        assertAllowed(put, 201, "orders uploads to orders/incoming/");
        assertTrue(Upstream.stored("orders/incoming/put-" + run).contains("orders/incoming/put-" + run));

        // Its own read list replaces the default one: public/ is not its; nor may it write outside orders/incoming/.
        assertDenied(request("GET", item("public/" + run), ORDERS_KEY, null), "orders reads public/ (the default list)");
        assertDenied(request("GET", item("other/" + run), ORDERS_KEY, null), "orders reads other/");
        assertDenied(request("GET", uploadUrl("orders/" + run), ORDERS_KEY, null), "orders writes orders/ (read only)");
        assertDenied(request("PUT", "/item?bucket=" + LocalS3Sts.bucket() + "&key=shared/put-" + run, ORDERS_KEY, "x"),
                "orders uploads to shared/");
        assertEquals(List.of(), Upstream.stored("shared/put-" + run));
    }

    @Test
    void anotherCallerGetsTheFilesDefaults() throws Exception {
        String run = UUID.randomUUID().toString();
        assertAllowed(request("GET", item("public/" + run), GUEST_KEY, null), 200, "guest reads public/ (the default)");
        assertDenied(request("GET", item("orders/" + run), GUEST_KEY, null), "guest reads orders/");
        assertDenied(request("GET", item("shared/" + run), GUEST_KEY, null), "guest reads shared/");
        assertDenied(request("GET", uploadUrl("public/" + run), GUEST_KEY, null), "guest writes (the default list is empty)");
        assertDenied(request("GET", uploadUrl("orders/incoming/" + run), GUEST_KEY, null), "guest writes orders/incoming/");
        assertEquals(401, request("GET", item("public/" + run), null, null).statusCode(), "no key, no access");
    }
}
