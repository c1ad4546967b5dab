package io.s3broker.rest;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.s3broker.testing.LocalS3Sts;
import io.s3broker.testing.LocalS3StsResource;
import io.s3broker.testing.Metrics;

/**
 * The HTTP server's metrics carry route templates only: requests to paths that are no route (answered 401 before
 * routing, or 404) add no series, so that nobody can fill the uri tag up to max-uri-tags and leave real routes
 * without; an uploadId is never a tag value, whether the request reached its route or was refused before.
 */
@QuarkusTest
@WithTestResource(LocalS3StsResource.class)
class MetricsCardinalityTest {

    static final Pattern URI = Pattern.compile("uri=\"([^\"]*)\"");

    static Set<String> uris() {
        Set<String> uris = new TreeSet<>();
        for (String line : Metrics.lines("http_server_requests_seconds_count")) {
            Matcher uri = URI.matcher(line);
            if (uri.find()) {
                uris.add(uri.group(1));
            }
        }
        return uris;
    }

    @Test
    void junkPathsAddNoSeriesAndRealRoutesStillGetTheirs() {
        Set<String> before = uris();
        for (int i = 1; i <= 60; i++) {
            given().header("Authorization", "").when().get("/junk" + i).then().statusCode(401);
        }
        // Authenticated, they are 404s: no series either.
        for (int i = 1; i <= 5; i++) {
            given().when().get("/junk-known-caller" + i).then().statusCode(404);
        }
        Set<String> afterJunk = uris();
        assertEquals(before, afterJunk, "junk requests added uri series");
        assertTrue(afterJunk.stream().noneMatch(uri -> uri.contains("junk")), afterJunk.toString());

        given().queryParam("bucket", LocalS3Sts.bucket()).queryParam("key", "metrics/k").queryParam("check", "false")
                .when().get("/item").then().statusCode(200);
        given().queryParam("bucket", LocalS3Sts.bucket()).queryParam("key", "metrics/k").queryParam("size", 1)
                .when().get("/item/upload-url").then().statusCode(200);
        Set<String> after = uris();
        assertTrue(after.contains("/item"), "a real route seen after the junk has its series: " + after);
        assertTrue(after.contains("/item/upload-url"), after.toString());
    }

    @Test
    void anUploadIdIsNeverATagValue() {
        List<String> ids = List.of("upload-id-f00d", "upload-id-beef", "upload-id-cafe");
        for (String id : ids) {
            // Refused before routing (no credential), and routed (Companion is off in this profile: 404).
            given().header("Authorization", "").when().get("/s3/multipart/" + id).then().statusCode(401);
            given().header("Authorization", "").when().get("/s3/multipart/" + id + "/7").then().statusCode(401);
            given().header("Authorization", "").when().post("/s3/multipart/" + id + "/complete").then().statusCode(401);
            given().when().get("/s3/multipart/" + id + "/batch").then().statusCode(404);
        }
        String metrics = Metrics.scrape();
        for (String id : ids) {
            assertFalse(metrics.contains(id), "an uploadId in the metrics: " + id);
        }
        Set<String> uris = uris();
        assertTrue(uris.contains("/s3/multipart/{uploadId}") && uris.contains("/s3/multipart/{uploadId}/{partNumber}")
                && uris.contains("/s3/multipart/{uploadId}/complete"), uris.toString());
    }
}
