package io.s3broker.rest;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.s3broker.testing.LocalS3Sts;
import io.s3broker.testing.LocalS3StsResource;
import io.s3broker.testing.Management;
import io.s3broker.testing.TestAuth;

/** A broker that has never fetched credentials gets a burst of requests: STS must see exactly one AssumeRole. */
@QuarkusTest
@TestProfile(ColdStartSingleFlightTest.Cold.class)
@WithTestResource(LocalS3StsResource.class)
class ColdStartSingleFlightTest {

    public static class Cold implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("broker.prefetch-on-start", "false");
        }
    }

    static final int REQUESTS = 256;

    @TestHTTPResource("/item")
    URI item;

    @Test
    void concurrentColdRequestsShareOneAssumeRole() throws Exception {
        long atGatewayBefore = LocalS3Sts.assumeRoleCount();
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        URI uri = URI.create(item + "?bucket=" + LocalS3Sts.bucket() + "&key=cold/object&check=false");
        List<CompletableFuture<HttpResponse<String>>> calls = new ArrayList<>();
        for (int i = 0; i < REQUESTS; i++) {
            calls.add(client.sendAsync(HttpRequest.newBuilder(uri).header("Authorization", TestAuth.BEARER).GET().build(), HttpResponse.BodyHandlers.ofString()));
        }
        for (CompletableFuture<HttpResponse<String>> call : calls) {
            assertEquals(200, call.get().statusCode(), call.get().body());
        }

        assertEquals(1, LocalS3Sts.assumeRoleCount() - atGatewayBefore, "AssumeRole calls the gateway served");
        String metrics = Management.given().get("/q/metrics").then().statusCode(200).extract().asString();
        Matcher counted = Pattern.compile("broker_sts_assume_role_total\\{outcome=\"success\"} ([0-9.]+)").matcher(metrics);
        counted.find();
        assertEquals(1.0, Double.parseDouble(counted.group(1)), "AssumeRole calls the broker counted");
    }
}
