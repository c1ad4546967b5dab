package io.s3broker.testing;

import io.quarkus.test.common.http.TestHTTPResourceManager;
import io.restassured.RestAssured;
import io.restassured.specification.RequestSpecification;

/**
 * Quarkus' management interface of the broker under test (health and metrics), on its own port: tests reach it with
 * {@link #given()} and their paths as they are ({@code /q/health/ready}).
 */
public final class Management {

    private Management() {
    }

    /** The interface's base URI, without the root path ({@code http://localhost:9001}). */
    public static String uri() {
        String uri = TestHTTPResourceManager.getManagementUri();
        return uri.endsWith("/q") ? uri.substring(0, uri.length() - 2) : uri;
    }

    public static RequestSpecification given() {
        return RestAssured.given().baseUri(uri()).port(port());
    }

    public static int port() {
        return java.net.URI.create(uri()).getPort();
    }
}
