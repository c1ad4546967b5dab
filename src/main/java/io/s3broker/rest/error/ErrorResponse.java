package io.s3broker.rest.error;

/** The body of every error answer. */
public record ErrorResponse(boolean success, Detail error) {

    public record Detail(String code, String message) {
    }

    public static ErrorResponse of(ErrorCode code, String message) {
        return new ErrorResponse(false, new Detail(code.code(), message));
    }
}
