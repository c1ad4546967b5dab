package io.s3broker.it;

import java.util.List;

import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusIntegrationTest;
import io.s3broker.rest.ItemResourceTest;
import io.s3broker.testing.BrokerSecrets;
import io.s3broker.testing.LocalS3StsResource;

/**
 * GET /item and /item/upload-url against the packaged broker (the fast-jar, or the native executable with
 * -Dnative), the way a client sees it: every test of {@link ItemResourceTest}. These runs are also the training run
 * of the AOT cache ({@code -Dquarkus.package.jar.aot.enabled=true}): what they exercise is what starts fast.
 */
@QuarkusIntegrationTest
@WithTestResource(LocalS3StsResource.class)
class ItemIT extends ItemResourceTest {

    /** The packaged broker runs in a process of its own: its sessions cannot be seen from here, its keys can. */
    @Override
    protected List<String> secrets() {
        return BrokerSecrets.known();
    }
}
