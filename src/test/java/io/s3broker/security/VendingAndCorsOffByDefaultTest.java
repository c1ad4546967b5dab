package io.s3broker.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;

import org.junit.jupiter.api.Test;

import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.s3broker.testing.LocalS3StsResource;
import io.s3broker.testing.TestAuth;

/**
 * Without broker.credentials.enabled, POST /credentials is a JSON 404 for an authenticated caller and hands out
 * nothing; and CORS is off: a preflight and a cross-origin request get no Access-Control-* header.
 */
@QuarkusTest
@WithTestResource(LocalS3StsResource.class)
class VendingAndCorsOffByDefaultTest {

    @Test
    void vendingIsANotFound() {
        RawHttp.Answer answer = RawHttp.send("POST /credentials HTTP/1.1\r\n" + TestAuth.HEADER_LINE, new byte[0]);
        assertEquals(404, answer.status(), answer.toString());
        assertEquals("NotFound", answer.errorCode());
        assertFalse(answer.body().contains("secretAccessKey"));
    }

    @Test
    void corsIsOffByDefault() {
        RawHttp.Answer preflight = RawHttp.send("OPTIONS /item HTTP/1.1\r\nOrigin: https://app.example\r\n"
                + "Access-Control-Request-Method: PUT\r\nAccess-Control-Request-Headers: authorization\r\n", null);
        assertNull(preflight.header("Access-Control-Allow-Origin"), preflight.toString());
        assertFalse(preflight.headers().keySet().stream().anyMatch(name -> name.startsWith("access-control-")),
                preflight.toString());
        RawHttp.Answer get = RawHttp.send("GET /item/upload-url?bucket=" + io.s3broker.testing.LocalS3Sts.bucket()
                + "&key=cors/k&size=1 HTTP/1.1\r\nOrigin: https://app.example\r\n" + TestAuth.HEADER_LINE, null);
        assertEquals(200, get.status(), get.toString());
        assertFalse(get.headers().keySet().stream().anyMatch(name -> name.startsWith("access-control-")), get.toString());
    }
}
