package io.s3broker.upload;

/** An upload was refused or cut short; whatever it had written to S3 is gone by the time this is seen. */
public final class UploadFailure extends RuntimeException {

    public enum Kind {
        TOO_LARGE,
        /** The client's body broke off or could not be read. */
        BROKEN_BODY,
        SHUTTING_DOWN
    }

    private final Kind kind;

    public UploadFailure(Kind kind, String message) {
        this(kind, message, null);
    }

    public UploadFailure(Kind kind, String message, Throwable cause) {
        super(message, cause, false, false);
        this.kind = kind;
    }

    public Kind kind() {
        return kind;
    }

    public static UploadFailure tooLarge(long maxSize) {
        return new UploadFailure(Kind.TOO_LARGE, "The upload exceeds the maximum size of " + maxSize + " bytes");
    }
}
