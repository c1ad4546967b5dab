package io.s3broker.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;

import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.s3broker.testing.LocalS3Sts;
import io.s3broker.testing.LocalS3StsResource;

/**
 * Malformed percent-escapes reach CallerFilter, which answers JSON 400 InvalidRequest on the JAX-RS routes and the
 * upload routes alike; a malformed path is a 4xx, never a 5xx. That needs Quarkus' own URI validation off (it
 * answers an empty 400 first): Main turns it off for the broker, the build's test JVMs the same way
 * (docs/decisions/0016-uri-validation.md), and MalformedEscapesIT checks the packaged broker.
 */
@QuarkusTest
@WithTestResource(LocalS3StsResource.class)
class MalformedEscapesTest {

    @Test
    void malformedEscapesAreJson400OnEveryRoute() {
        List<String> before = Upstream.stored("hostile/");
        for (HostileRequestsTest.Hostile hostile : HostileRequestsTest.malformedEscapes(LocalS3Sts.bucket())) {
            RawHttp.Answer answer = RawHttp.send(hostile.head(), hostile.body());
            assertEquals(400, answer.status(), hostile.label() + ": " + answer);
            assertTrue(answer.isJson(), hostile.label() + ": " + answer);
            assertEquals("InvalidRequest", answer.errorCode(), hostile.label() + ": " + answer);
        }
        assertEquals(before, Upstream.stored("hostile/"));
    }

    @Test
    void aMalformedPathIsNeverA5xx() {
        for (String path : List.of("/item%zz", "/item/%E", "/credentials%", "/item/upload-url%ff")) {
            RawHttp.Answer answer = RawHttp.send("GET " + path + "?bucket=" + LocalS3Sts.bucket() + "&key=k HTTP/1.1\r\n"
                    + io.s3broker.testing.TestAuth.HEADER_LINE, null);
            assertTrue(answer.status() >= 400 && answer.status() < 500, path + ": " + answer);
        }
    }
}
