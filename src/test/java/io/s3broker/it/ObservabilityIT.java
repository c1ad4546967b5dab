package io.s3broker.it;

import java.util.List;

import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusIntegrationTest;
import io.s3broker.rest.ObservabilityTest;
import io.s3broker.testing.BrokerSecrets;
import io.s3broker.testing.LocalS3StsResource;

/** Health, metrics and OpenAPI, as an orchestrator and a monitoring system use them, against the packaged broker. */
@QuarkusIntegrationTest
@WithTestResource(LocalS3StsResource.class)
class ObservabilityIT extends ObservabilityTest {

    /** The packaged broker runs in a process of its own: its sessions cannot be seen from here, its keys can. */
    @Override
    protected List<String> secrets() {
        return BrokerSecrets.known();
    }
}
