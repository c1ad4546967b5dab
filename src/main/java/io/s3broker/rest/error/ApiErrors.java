package io.s3broker.rest.error;

import java.util.Map;

import org.jboss.logging.Logger;

import io.s3broker.access.AccessDenied;
import io.s3broker.access.RateLimited;
import io.s3broker.auth.AuthenticationFailed;
import io.s3broker.credentials.CredentialsUnavailableException;
import io.s3broker.logging.LogText;
import io.s3broker.s3.S3Errors;
import io.s3broker.s3.S3Failure;
import io.s3broker.upload.UploadFailure;

/**
 * The one place where a failure of any layer becomes an answer: status, JSON body and headers. Used by the JAX-RS
 * exception mappers and the Vert.x routes alike. An unexpected failure is logged and answered with a generic message.
 */
public final class ApiErrors {

    private static final Logger LOG = Logger.getLogger(ApiErrors.class);

    private ApiErrors() {
    }

    /** An answer to send: {@code headers} are extra response headers (WWW-Authenticate, Retry-After). */
    public record ApiError(ErrorCode code, String message, Map<String, String> headers) {

        public int status() {
            return code.status();
        }

        public ErrorResponse body() {
            return ErrorResponse.of(code, message);
        }
    }

    public static ApiError of(Throwable failure) {
        Throwable e = S3Errors.unwrap(failure);
        ApiError error = classify(e);
        // Messages may carry client input (keys, caller names): escaped, like every log line's.
        if (error.code() == ErrorCode.INTERNAL_ERROR) {
            LOG.error("Request failed unexpectedly", LogText.escaped(e));
        } else if (error.status() >= 500) {
            LOG.warnf("%s: %s%s", error.code().code(), LogText.escape(error.message()),
                    e.getCause() == null ? "" : " (" + LogText.escape(e.getCause().toString()) + ")");
        }
        return error;
    }

    private static ApiError classify(Throwable e) {
        if (e instanceof BrokerException broker) {
            return new ApiError(broker.code(), broker.getMessage(), Map.of());
        }
        if (e instanceof AuthenticationFailed auth) {
            return new ApiError(ErrorCode.UNAUTHORIZED, auth.getMessage(), Map.of("WWW-Authenticate", "Bearer"));
        }
        if (e instanceof AccessDenied denied) {
            return new ApiError(ErrorCode.ACCESS_DENIED, denied.getMessage(), Map.of());
        }
        if (e instanceof RateLimited limited) {
            long seconds = Math.max(1, (limited.retryAfter().toMillis() + 999) / 1000);
            return new ApiError(ErrorCode.TOO_MANY_REQUESTS, limited.getMessage(),
                    Map.of("Retry-After", Long.toString(seconds)));
        }
        if (e instanceof CredentialsUnavailableException credentials) {
            return new ApiError(ErrorCode.CREDENTIALS_UNAVAILABLE, credentials.getMessage(), Map.of());
        }
        if (e instanceof S3Failure s3 && s3.kind() == S3Failure.Kind.BUSY) {
            return new ApiError(ErrorCode.SERVICE_UNAVAILABLE, s3.getMessage(), Map.of("Retry-After", "1"));
        }
        if (e instanceof S3Failure s3) {
            return new ApiError(switch (s3.kind()) {
                case NO_SUCH_BUCKET -> ErrorCode.NO_SUCH_BUCKET;
                case NO_SUCH_KEY -> ErrorCode.NO_SUCH_KEY;
                case ACCESS_DENIED -> ErrorCode.ACCESS_DENIED;
                case WRONG_REGION -> ErrorCode.INVALID_PARAMETER;
                case UPSTREAM -> ErrorCode.UPSTREAM_ERROR;
                case BUSY -> ErrorCode.SERVICE_UNAVAILABLE;
                case TIMEOUT -> ErrorCode.UPSTREAM_TIMEOUT;
            }, s3.kind() == S3Failure.Kind.WRONG_REGION ? "Invalid parameter 'region': " + s3.getMessage()
                    : s3.getMessage(), Map.of());
        }
        if (e instanceof UploadFailure upload) {
            return switch (upload.kind()) {
                case TOO_LARGE -> new ApiError(ErrorCode.PAYLOAD_TOO_LARGE, upload.getMessage(), Map.of());
                case BROKEN_BODY -> new ApiError(ErrorCode.INVALID_REQUEST, upload.getMessage(), Map.of());
                case IDLE, TOO_SLOW -> new ApiError(ErrorCode.REQUEST_TIMEOUT, upload.getMessage(), Map.of());
                case REJECTED -> new ApiError(ErrorCode.INVALID_REQUEST, upload.getMessage(), Map.of());
                case BUSY -> new ApiError(ErrorCode.SERVICE_UNAVAILABLE, upload.getMessage(), Map.of("Retry-After", "5"));
                case SHUTTING_DOWN -> new ApiError(ErrorCode.SERVICE_UNAVAILABLE, upload.getMessage(),
                        Map.of("Retry-After", "1"));
            };
        }
        return new ApiError(ErrorCode.INTERNAL_ERROR, "Internal error", Map.of());
    }
}
