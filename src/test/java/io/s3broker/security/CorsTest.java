package io.s3broker.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.s3broker.testing.LocalS3Sts;
import io.s3broker.testing.LocalS3StsResource;

/**
 * CORS on with one origin (quarkus.http.cors.enabled and .origins, both runtime settings in Quarkus 3.33): a
 * preflight from it is answered without credentials, one from another origin is not allowed, and a cross-site form
 * POST without Authorization cannot upload.
 */
@QuarkusTest
@TestProfile(CorsTest.WithOrigin.class)
@WithTestResource(LocalS3StsResource.class)
class CorsTest {

    static final String ORIGIN = "https://app.example";

    public static class WithOrigin implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("quarkus.http.cors.enabled", "true", "quarkus.http.cors.origins", ORIGIN);
        }
    }

    static RawHttp.Answer preflight(String origin, String path) {
        return RawHttp.send("OPTIONS " + path + " HTTP/1.1\r\nOrigin: " + origin + "\r\n"
                + "Access-Control-Request-Method: PUT\r\nAccess-Control-Request-Headers: authorization,content-type\r\n", null);
    }

    @Test
    void aPreflightFromTheConfiguredOriginIsAnsweredWithoutCredentials() {
        for (String path : List.of("/item", "/item/upload-url", "/credentials")) {
            RawHttp.Answer answer = preflight(ORIGIN, path);
            assertEquals(200, answer.status(), path + ": " + answer);
            assertEquals(ORIGIN, answer.header("Access-Control-Allow-Origin"), path + ": " + answer);
            assertTrue(answer.header("Access-Control-Allow-Methods").contains("PUT"), answer.toString());
            assertTrue(answer.header("Access-Control-Allow-Headers").toLowerCase().contains("authorization"),
                    answer.toString());
        }
    }

    @Test
    void anotherOriginIsNotAllowed() {
        RawHttp.Answer answer = preflight("https://evil.example", "/item");
        assertNull(answer.header("Access-Control-Allow-Origin"), answer.toString());
        assertTrue(answer.status() >= 400 && answer.status() < 500, answer.toString());
    }

    @Test
    void aCrossSiteFormPostWithoutAuthorizationCannotUpload() {
        String key = "cors/" + UUID.randomUUID();
        for (String origin : List.of(ORIGIN, "https://evil.example")) {
            // What a page's <form method=post enctype=multipart/form-data> sends: no Authorization header.
            RawHttp.Answer answer = RawHttp.send("POST /item?bucket=" + LocalS3Sts.bucket() + "&key=" + key
                    + " HTTP/1.1\r\nOrigin: " + origin + "\r\nContent-Type: multipart/form-data; boundary=x\r\n",
                    ("--x\r\nContent-Disposition: form-data; name=\"file\"; filename=\"f\"\r\n\r\nforged\r\n--x--\r\n")
                            .getBytes(StandardCharsets.UTF_8));
            assertTrue(answer.status() == 401 || answer.status() == 403, origin + ": " + answer);
            assertFalse(answer.status() == 201);
        }
        assertEquals(List.of(), Upstream.stored(key));
    }
}
