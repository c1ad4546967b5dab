package io.s3broker.credentials;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.concurrent.CompletionException;

import org.junit.jupiter.api.Test;

import software.amazon.awssdk.awscore.exception.AwsErrorDetails;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.services.sts.model.StsException;

/**
 * Which failed AssumeRole calls count as STS asking to slow down, so that the canary waits out its backoff instead of
 * checking at its pace: STS's Throttling answer (HTTP 400), as the failed fetch hands it over, and nothing else.
 */
class StsThrottlingTest {

    final StsCredentialsSource source = new StsCredentialsSource(null, "arn:aws:iam::123456789012:role/broker",
            Scope.of(new Grant(Access.READ, "photos", "public/"), Duration.ofHours(1)), "session", "{}",
            Duration.ofSeconds(5), Runnable::run);

    static StsException answer(int status, String code) {
        return (StsException) StsException.builder().statusCode(status)
                .awsErrorDetails(AwsErrorDetails.builder().errorCode(code).errorMessage("from STS").build()).build();
    }

    @Test
    void stsThrottlingIsThrottledAsTheFetchFailsWithIt() {
        assertTrue(source.throttled(new CompletionException(answer(400, "Throttling"))));
        assertTrue(source.throttled(answer(400, "Throttling")));
    }

    @Test
    void otherFailuresAreNot() {
        assertFalse(source.throttled(new CompletionException(answer(403, "AccessDenied"))));
        assertFalse(source.throttled(new CompletionException(SdkClientException.create("Connection refused"))));
        assertFalse(source.throttled(new IllegalStateException("timed out")));
    }
}
