package io.s3broker.rest;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import org.junit.jupiter.api.Test;

import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import io.s3broker.rest.error.ErrorCode;
import io.s3broker.testing.LocalS3StsResource;

@QuarkusTest
@WithTestResource(LocalS3StsResource.class)
class OpenApiTest {

    /** Every endpoint the broker serves, JAX-RS and Vert.x routes alike. */
    static final Map<String, Set<String>> ENDPOINTS = Map.ofEntries(
            Map.entry("/item", Set.of("get", "put", "post")),
            Map.entry("/item/upload-url", Set.of("get")),
            Map.entry("/credentials", Set.of("post")),
            Map.entry("/s3/params", Set.of("get")),
            Map.entry("/s3/multipart", Set.of("post")),
            Map.entry("/s3/multipart/{uploadId}", Set.of("get", "delete")),
            Map.entry("/s3/multipart/{uploadId}/batch", Set.of("get")),
            Map.entry("/s3/multipart/{uploadId}/{partNumber}", Set.of("get")),
            Map.entry("/s3/multipart/{uploadId}/complete", Set.of("post")),
            Map.entry("/s3/sts", Set.of("get")),
            Map.entry("/s3/sign", Set.of("post")),
            Map.entry("/files", Set.of("options", "post")),
            Map.entry("/files/{id}", Set.of("options", "head", "patch", "delete")));

    @Test
    void documentsEveryEndpointWithItsErrors() {
        JsonPath doc = given().queryParam("format", "json").when().get("/q/openapi")
                .then().statusCode(200).extract().jsonPath();
        ENDPOINTS.forEach((path, methods) -> methods.forEach(method -> {
            Map<String, Object> operation = doc.getMap("paths.'" + path + "'." + method);
            assertNotNull(operation, method + " " + path + " is not documented");
            Map<String, Object> responses = doc.getMap("paths.'" + path + "'." + method + ".responses");
            assertTrue(responses.containsKey("400") && responses.containsKey("503"),
                    method + " " + path + " documents its errors: " + responses.keySet());
        }));
        assertEquals(new TreeSet<>(ENDPOINTS.keySet()), new TreeSet<>(doc.getMap("paths").keySet()),
                "documented paths are exactly the served ones");
    }

    @Test
    void documentsEveryErrorCode() {
        JsonPath doc = given().queryParam("format", "json").when().get("/q/openapi").then().extract().jsonPath();
        Set<String> documented = new TreeSet<>(doc.getList("components.schemas.ErrorResponse.properties.error.properties.code.enum"));
        Set<String> codes = new TreeSet<>();
        Arrays.stream(ErrorCode.values()).forEach(code -> codes.add(code.code()));
        assertEquals(codes, documented);
    }
}
