package io.s3broker.rest.error;

/** Every error the API answers with: the code clients match on and the HTTP status that goes with it. */
public enum ErrorCode {
    MISSING_PARAMETER(400, "MissingParameter"),
    INVALID_PARAMETER(400, "InvalidParameter"),
    INVALID_REQUEST(400, "InvalidRequest"),
    UNAUTHORIZED(401, "Unauthorized"),
    ACCESS_DENIED(403, "AccessDenied"),
    OPERATION_NOT_ALLOWED(403, "OperationNotAllowed"),
    NOT_FOUND(404, "NotFound"),
    NO_SUCH_BUCKET(404, "NoSuchBucket"),
    NO_SUCH_KEY(404, "NoSuchKey"),
    METHOD_NOT_ALLOWED(405, "MethodNotAllowed"),
    NOT_ACCEPTABLE(406, "NotAcceptable"),
    REQUEST_TIMEOUT(408, "RequestTimeout"),
    CONFLICT(409, "Conflict"),
    GONE(410, "Gone"),
    PRECONDITION_FAILED(412, "PreconditionFailed"),
    PAYLOAD_TOO_LARGE(413, "PayloadTooLarge"),
    UNSUPPORTED_MEDIA_TYPE(415, "UnsupportedMediaType"),
    TOO_MANY_REQUESTS(429, "TooManyRequests"),
    INTERNAL_ERROR(500, "InternalError"),
    UPSTREAM_ERROR(502, "UpstreamError"),
    CREDENTIALS_UNAVAILABLE(503, "CredentialsUnavailable"),
    SERVICE_UNAVAILABLE(503, "ServiceUnavailable"),
    UPSTREAM_TIMEOUT(504, "UpstreamTimeout");

    private final int status;
    private final String code;

    ErrorCode(int status, String code) {
        this.status = status;
        this.code = code;
    }

    public int status() {
        return status;
    }

    public String code() {
        return code;
    }
}
