package io.s3broker.security;

import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusIntegrationTest;
import io.s3broker.testing.LocalS3StsResource;

/**
 * The packaged broker, started by its own Main, answers malformed escapes with JSON too: the test JVM's setting of
 * the URI validation switch cannot reach it, so this proves Main's.
 */
@QuarkusIntegrationTest
@WithTestResource(LocalS3StsResource.class)
class MalformedEscapesIT extends MalformedEscapesTest {
}
