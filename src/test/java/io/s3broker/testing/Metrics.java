package io.s3broker.testing;

import java.util.List;

/**
 * The broker's Prometheus metrics, as the tests read them: one place that knows where they are served (Quarkus'
 * management port).
 */
public final class Metrics {

    private Metrics() {
    }

    /** The whole exposition, from the running test broker. */
    public static String scrape() {
        return Management.given().when().get("/q/metrics").then().statusCode(200).extract().asString();
    }

    /** The sample lines (no comments) of {@code name}, e.g. {@code http_server_requests_seconds_count}. */
    public static List<String> lines(String name) {
        return scrape().lines().filter(line -> line.startsWith(name + "{") || line.startsWith(name + " ")).toList();
    }
}
