package io.s3broker.it;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import org.junit.jupiter.api.Test;

import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusIntegrationTest;
import io.restassured.RestAssured;
import io.s3broker.testing.LocalS3Sts;
import io.s3broker.testing.LocalS3StsResource;
import io.s3broker.testing.TestAuth;

/**
 * The requests a replica serves most, many times over, against the packaged broker: GET /item with and without the
 * HeadObject, and small uploads of each way. This is the training run of the AOT cache
 * ({@code -Dquarkus.package.jar.aot.enabled=true}) too: JDK 25 keeps the method profiles of the run in the cache, so
 * that a new replica compiles these paths soon after it starts instead of after its first thousands of requests
 * (bench/startup-bench.sh measures the first 10 s after readiness). Every request must succeed.
 */
@QuarkusIntegrationTest
@WithTestResource(LocalS3StsResource.class)
class AotTrainingIT {

    static final int THREADS = 8;

    final HttpClient client = HttpClient.newHttpClient();

    @Test
    void servesTheHotRequestsManyTimes() throws Exception {
        String base = "http://localhost:" + RestAssured.port; // set by Quarkus once the broker runs
        String bucket = LocalS3Sts.bucket();
        String prefix = "aot-training/" + UUID.randomUUID() + "/";
        byte[] body = new byte[1 << 20];
        LocalS3Sts.admin().putObject(p -> p.bucket(bucket).key(prefix + "object"),
                software.amazon.awssdk.core.async.AsyncRequestBody.fromString("trained")).join();
        Map<String, Integer> statuses = new TreeMap<>();
        ExecutorService pool = Executors.newFixedThreadPool(THREADS);
        try {
            List<Future<String>> answers = new ArrayList<>();
            for (int i = 0; i < 8_000; i++) {
                boolean check = i % 6 == 0; // one HeadObject in six
                URI uri = URI.create(base + "/item?bucket=" + bucket + "&key=" + prefix + "object&check=" + check);
                answers.add(pool.submit(() -> send(HttpRequest.newBuilder(uri), "GET check=" + check)));
            }
            for (int i = 0; i < 20; i++) {
                URI put = URI.create(base + "/item?bucket=" + bucket + "&key=" + prefix + "put-" + i);
                answers.add(pool.submit(() -> send(HttpRequest.newBuilder(put)
                        .PUT(HttpRequest.BodyPublishers.ofByteArray(body)), "PUT")));
                // A publisher of unknown length: the body goes chunked.
                answers.add(pool.submit(() -> send(HttpRequest.newBuilder(put).PUT(HttpRequest.BodyPublishers
                        .ofInputStream(() -> new java.io.ByteArrayInputStream(body))), "PUT chunked")));
            }
            for (Future<String> answer : answers) {
                statuses.merge(answer.get(), 1, Integer::sum);
            }
        } finally {
            pool.shutdownNow();
        }
        statuses.forEach((what, count) -> assertTrue(what.endsWith(" ok"), count + " x " + what));
        LocalS3Sts.admin().deleteObject(d -> d.bucket(bucket).key(prefix + "object")).join();
        for (int i = 0; i < 20; i++) {
            String key = prefix + "put-" + i;
            LocalS3Sts.admin().deleteObject(d -> d.bucket(bucket).key(key)).join();
        }
    }

    private String send(HttpRequest.Builder request, String what) throws Exception {
        HttpResponse<String> answer = client.send(request.header("Authorization", TestAuth.BEARER).build(),
                HttpResponse.BodyHandlers.ofString());
        int status = answer.statusCode();
        boolean ok = status == (what.startsWith("PUT") ? 201 : 200);
        return what + " " + status + (ok ? " ok" : " " + answer.body());
    }
}
