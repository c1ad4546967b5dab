package io.s3broker.s3;

import java.util.concurrent.CompletionException;

import io.s3broker.credentials.CredentialsUnavailableException;
import software.amazon.awssdk.core.exception.ApiCallAttemptTimeoutException;
import software.amazon.awssdk.core.exception.ApiCallTimeoutException;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.retry.RetryUtils;
import software.amazon.awssdk.services.s3.model.NoSuchBucketException;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * Maps what the SDK throws to {@link S3Failure}s. The status decides, not the error code: S3-compatible servers
 * (and every HEAD response, which has no body) leave the code empty.
 */
public final class S3Errors {

    private S3Errors() {
    }

    /**
     * What a failed S3 call on {@code target} (an {@code s3://bucket[/key]} text for messages) means: an
     * {@link S3Failure} for what the SDK threw; anything else (no credentials, a failure of the broker's own) as it is.
     */
    public static RuntimeException translate(Throwable failure, String target) {
        Throwable e = unwrap(failure);
        CredentialsUnavailableException credentials = find(e, CredentialsUnavailableException.class);
        if (credentials != null) {
            return credentials;
        }
        if (find(e, ApiCallTimeoutException.class) != null || find(e, ApiCallAttemptTimeoutException.class) != null) {
            return new S3Failure(S3Failure.Kind.TIMEOUT, "S3 did not answer in time for " + target, e);
        }
        if (e instanceof NoSuchBucketException) {
            return new S3Failure(S3Failure.Kind.NO_SUCH_BUCKET, "No such bucket: " + target);
        }
        if (e instanceof NoSuchKeyException) {
            return new S3Failure(S3Failure.Kind.NO_SUCH_KEY, "No such key: " + target);
        }
        if (e instanceof S3Exception s3) {
            return fromStatus(s3, target);
        }
        if (e instanceof SdkClientException) {
            return new S3Failure(S3Failure.Kind.UPSTREAM, "S3 could not be reached for " + target, e);
        }
        return e instanceof RuntimeException runtime ? runtime : new CompletionException(e);
    }

    private static S3Failure fromStatus(S3Exception e, String target) {
        int status = e.statusCode();
        String code = e.awsErrorDetails() == null ? null : e.awsErrorDetails().errorCode();
        if (status == 403) {
            return new S3Failure(S3Failure.Kind.ACCESS_DENIED, "Access denied to " + target);
        }
        if (status == 404) {
            return "NoSuchBucket".equals(code)
                    ? new S3Failure(S3Failure.Kind.NO_SUCH_BUCKET, "No such bucket: " + target)
                    : new S3Failure(S3Failure.Kind.NO_SUCH_KEY, "No such key: " + target);
        }
        String bucketRegion = e.awsErrorDetails() == null ? null
                : e.awsErrorDetails().sdkHttpResponse().firstMatchingHeader("x-amz-bucket-region").orElse(null);
        if ((status == 301 || status == 400) && bucketRegion != null) {
            return new S3Failure(S3Failure.Kind.WRONG_REGION, "The bucket of " + target + " is in region " + bucketRegion);
        }
        // Still so after the SDK's retries: the client is told to come back (503 with Retry-After), not that S3 failed.
        if (status == 503 || RetryUtils.isThrottlingException(e)) {
            return new S3Failure(S3Failure.Kind.BUSY, "S3 asked to slow down (" + status + (code == null ? "" : " " + code)
                    + ") for " + target + "; try again shortly", e);
        }
        return new S3Failure(S3Failure.Kind.UPSTREAM,
                "S3 answered " + status + (code == null ? "" : " " + code) + " for " + target, e);
    }

    /** S3's InvalidPart: a part named in CompleteMultipartUpload is not there, or not with that ETag. */
    public static boolean isInvalidPart(Throwable failure) {
        S3Exception e = find(failure, S3Exception.class);
        return e != null && e.awsErrorDetails() != null && "InvalidPart".equals(e.awsErrorDetails().errorCode());
    }

    /** A 404 of any kind: HEAD responses have no body, so only the status says what happened. */
    public static boolean isNotFound(Throwable failure) {
        Throwable e = unwrap(failure);
        return e instanceof NoSuchKeyException || e instanceof NoSuchBucketException
                || (e instanceof S3Exception s3 && s3.statusCode() == 404);
    }

    /** The outcome tag of a call's latency: success, the HTTP status class of an S3 error, or the failure's kind. */
    public static String outcome(Throwable failure) {
        if (failure == null) {
            return "success";
        }
        Throwable e = unwrap(failure);
        if (e instanceof S3Exception s3) {
            return s3.statusCode() / 100 + "xx";
        }
        if (find(e, ApiCallTimeoutException.class) != null || find(e, ApiCallAttemptTimeoutException.class) != null) {
            return "timeout";
        }
        return "error";
    }

    public static Throwable unwrap(Throwable failure) {
        Throwable e = failure;
        while (e instanceof CompletionException && e.getCause() != null) {
            e = e.getCause();
        }
        return e;
    }

    private static <T extends Throwable> T find(Throwable e, Class<T> type) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (type.isInstance(t)) {
                return type.cast(t);
            }
        }
        return null;
    }
}
