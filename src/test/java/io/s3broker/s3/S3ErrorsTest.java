package io.s3broker.s3;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.concurrent.CompletionException;

import org.junit.jupiter.api.Test;

import io.s3broker.credentials.CredentialsUnavailableException;
import software.amazon.awssdk.awscore.exception.AwsErrorDetails;
import software.amazon.awssdk.core.exception.ApiCallAttemptTimeoutException;
import software.amazon.awssdk.core.exception.ApiCallTimeoutException;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.http.SdkHttpResponse;
import software.amazon.awssdk.services.s3.model.NoSuchBucketException;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.S3Exception;

/** What each failure the SDK (or HeadObjectClient) throws becomes, wrapped as the async clients wrap it or not. */
class S3ErrorsTest {

    private static final String TARGET = "s3://bucket/some/key";

    @Test
    void tellsAMissingKeyFromAMissingBucket() {
        assertKind(S3Failure.Kind.NO_SUCH_KEY, NoSuchKeyException.builder().statusCode(404).build());
        assertKind(S3Failure.Kind.NO_SUCH_BUCKET, NoSuchBucketException.builder().statusCode(404).build());
        assertKind(S3Failure.Kind.NO_SUCH_BUCKET, s3(404, "NoSuchBucket", null));
        // A HEAD's 404 has no body, so no code: the key is what is missing until a HeadBucket says otherwise.
        assertKind(S3Failure.Kind.NO_SUCH_KEY, s3(404, null, null));
        assertKind(S3Failure.Kind.NO_SUCH_KEY, s3(404, "NoSuchKey", null));
    }

    @Test
    void decidesByStatusNotByCode() {
        assertKind(S3Failure.Kind.ACCESS_DENIED, s3(403, null, null));
        assertKind(S3Failure.Kind.ACCESS_DENIED, s3(403, "SignatureDoesNotMatch", null));
        assertKind(S3Failure.Kind.UPSTREAM, s3(409, "AccessDenied", null));
    }

    @Test
    void namesTheBucketsRegionWhenS3SaysItIsElsewhere() {
        S3Failure moved = assertKind(S3Failure.Kind.WRONG_REGION, s3(301, "PermanentRedirect", "eu-central-1"));
        assertEquals("The bucket of " + TARGET + " is in region eu-central-1", moved.getMessage());
        assertKind(S3Failure.Kind.WRONG_REGION, s3(400, "AuthorizationHeaderMalformed", "ap-south-1"));
        assertKind(S3Failure.Kind.UPSTREAM, s3(301, null, null));
        assertKind(S3Failure.Kind.UPSTREAM, s3(400, "InvalidArgument", null));
    }

    @Test
    void keepsStatusAndCodeOfOtherErrorsInTheMessage() {
        S3Failure failure = assertKind(S3Failure.Kind.UPSTREAM, s3(501, "NotImplemented", null));
        assertEquals("S3 answered 501 NotImplemented for " + TARGET, failure.getMessage());
        assertEquals("S3 answered 500 for " + TARGET, assertKind(S3Failure.Kind.UPSTREAM, s3(500, null, null)).getMessage());
    }

    @Test
    void slowingDownIsBusyForTheClientToTryAgain() {
        S3Failure failure = assertKind(S3Failure.Kind.BUSY, s3(503, "SlowDown", null));
        assertEquals("S3 asked to slow down (503 SlowDown) for " + TARGET + "; try again shortly", failure.getMessage());
        assertKind(S3Failure.Kind.BUSY, s3(503, null, null));
        assertKind(S3Failure.Kind.BUSY, s3(429, null, null));
    }

    @Test
    void tellsTimeoutsWhereverTheyAreInTheChain() {
        assertKind(S3Failure.Kind.TIMEOUT, ApiCallTimeoutException.create(1000));
        assertKind(S3Failure.Kind.TIMEOUT, ApiCallAttemptTimeoutException.create(1000));
        assertKind(S3Failure.Kind.TIMEOUT,
                SdkClientException.create("wrapped", ApiCallAttemptTimeoutException.create(1000)));
    }

    @Test
    void tellsAnUnreachableS3() {
        S3Failure failure = assertKind(S3Failure.Kind.UPSTREAM,
                SdkClientException.create("Connection refused", new IOException("refused")));
        assertEquals("S3 could not be reached for " + TARGET, failure.getMessage());
    }

    @Test
    void passesMissingCredentialsOnAsTheyAre() {
        CredentialsUnavailableException unavailable = new CredentialsUnavailableException("STS is down", null);
        assertSame(unavailable, S3Errors.translate(new CompletionException(
                SdkClientException.create("Unable to load credentials", unavailable)), TARGET));
        assertSame(unavailable, S3Errors.translate(unavailable, TARGET));
    }

    @Test
    void passesTheBrokersOwnFailuresOnAsTheyAre() {
        IllegalStateException bug = new IllegalStateException("a bug");
        assertSame(bug, S3Errors.translate(new CompletionException(bug), TARGET));
        Exception checked = new Exception("checked");
        RuntimeException wrapped = S3Errors.translate(checked, TARGET);
        assertInstanceOf(CompletionException.class, wrapped);
        assertSame(checked, wrapped.getCause());
    }

    @Test
    void countsEveryNotFoundAsNotFound() {
        assertTrue(S3Errors.isNotFound(new CompletionException(s3(404, null, null))));
        assertTrue(S3Errors.isNotFound(NoSuchKeyException.builder().build()));
        assertTrue(S3Errors.isNotFound(NoSuchBucketException.builder().build()));
        assertFalse(S3Errors.isNotFound(s3(403, null, null)));
        assertFalse(S3Errors.isNotFound(SdkClientException.create("down")));
    }

    @Test
    void tagsOutcomesForTheLatencyMetric() {
        assertEquals("success", S3Errors.outcome(null));
        assertEquals("4xx", S3Errors.outcome(new CompletionException(s3(404, null, null))));
        assertEquals("5xx", S3Errors.outcome(s3(503, "SlowDown", null)));
        assertEquals("3xx", S3Errors.outcome(s3(301, null, "eu-west-1")));
        assertEquals("timeout", S3Errors.outcome(new CompletionException(ApiCallTimeoutException.create(5))));
        assertEquals("error", S3Errors.outcome(SdkClientException.create("down")));
    }

    @Test
    void unwrapsNestedCompletionExceptions() {
        S3Exception e = s3(500, null, null);
        assertSame(e, S3Errors.unwrap(new CompletionException(new CompletionException(e))));
        assertSame(e, S3Errors.unwrap(e));
    }

    private static S3Failure assertKind(S3Failure.Kind kind, Throwable sdkFailure) {
        // The async clients hand failures over wrapped in a CompletionException; both forms must map alike.
        for (Throwable thrown : new Throwable[] {sdkFailure, new CompletionException(sdkFailure)}) {
            RuntimeException translated = S3Errors.translate(thrown, TARGET);
            S3Failure failure = assertInstanceOf(S3Failure.class, translated, () -> sdkFailure.toString());
            assertEquals(kind, failure.kind(), () -> sdkFailure.toString());
        }
        return (S3Failure) S3Errors.translate(sdkFailure, TARGET);
    }

    private static S3Exception s3(int status, String code, String bucketRegion) {
        SdkHttpResponse.Builder response = SdkHttpResponse.builder().statusCode(status);
        if (bucketRegion != null) {
            response.putHeader("x-amz-bucket-region", bucketRegion);
        }
        return (S3Exception) S3Exception.builder().statusCode(status).message("S3 said no")
                .awsErrorDetails(AwsErrorDetails.builder().errorCode(code).sdkHttpResponse(response.build()).build())
                .build();
    }
}
