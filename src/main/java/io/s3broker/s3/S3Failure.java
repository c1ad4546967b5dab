package io.s3broker.s3;

/** An S3 call failed; {@link Kind} says how, so that the HTTP layer can choose the answer. */
public final class S3Failure extends RuntimeException {

    public enum Kind {
        NO_SUCH_BUCKET,
        NO_SUCH_KEY,
        ACCESS_DENIED,
        /** The bucket lives in another region than the request named. */
        WRONG_REGION,
        /** S3 answered with an error the broker cannot do anything about, or could not be reached. */
        UPSTREAM,
        /** S3 asked to slow down or was unavailable for now (503 SlowDown): the same request may succeed later. */
        BUSY,
        TIMEOUT
    }

    private final Kind kind;

    public S3Failure(Kind kind, String message) {
        this(kind, message, null);
    }

    public S3Failure(Kind kind, String message, Throwable cause) {
        // No stack trace: these are outcomes of calls, frequent under load, not bugs.
        super(message, cause, false, false);
        this.kind = kind;
    }

    public Kind kind() {
        return kind;
    }
}
