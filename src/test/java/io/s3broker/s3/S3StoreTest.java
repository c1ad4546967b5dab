package io.s3broker.s3;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

import software.amazon.awssdk.awscore.exception.AwsErrorDetails;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * The store's one translation of S3's errors: a 404 on a call about an upload means the upload is gone (every
 * caller, the upload engine, the Companion API and the sweep of abandoned uploads, reads it the same way).
 */
class S3StoreTest {

    static final ObjectLocation OBJECT = new ObjectLocation("us-east-1", "bucket", "key");

    private static S3Exception notFound(String code) {
        return (S3Exception) S3Exception.builder().statusCode(404)
                .awsErrorDetails(AwsErrorDetails.builder().errorCode(code).build()).build();
    }

    @Test
    void a404OnAnUploadIsNoSuchUpload() {
        S3Failure failure = assertInstanceOf(S3Failure.class, S3Store.failure(notFound("NoSuchUpload"), OBJECT, "u1"));
        assertEquals(S3Failure.Kind.NO_SUCH_KEY, failure.kind());
        assertTrue(failure.getMessage().startsWith("No such upload of s3://bucket/key"), failure.getMessage());
        // RGW and HEAD-like answers may carry no code at all.
        assertEquals(S3Failure.Kind.NO_SUCH_KEY, ((S3Failure) S3Store.failure(
                S3Exception.builder().statusCode(404).build(), OBJECT, "u1")).kind());
    }

    @Test
    void aMissingBucketStaysAMissingBucketOnAnUploadToo() {
        assertEquals(S3Failure.Kind.NO_SUCH_BUCKET,
                ((S3Failure) S3Store.failure(notFound("NoSuchBucket"), OBJECT, "u1")).kind());
    }

    @Test
    void aCallWithoutAnUploadTranslatesAsEveryS3Call() {
        S3Failure failure = (S3Failure) S3Store.failure(notFound("NoSuchKey"), OBJECT, null);
        assertEquals(S3Failure.Kind.NO_SUCH_KEY, failure.kind());
        assertTrue(failure.getMessage().startsWith("No such key"), failure.getMessage());
        assertEquals(S3Failure.Kind.ACCESS_DENIED, ((S3Failure) S3Store.failure(
                S3Exception.builder().statusCode(403).build(), OBJECT, "u1")).kind());
    }
}
