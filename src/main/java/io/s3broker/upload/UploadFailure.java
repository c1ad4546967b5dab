package io.s3broker.upload;

import java.time.Duration;

/** An upload was refused or cut short; whatever it had written to S3 is gone by the time this is seen. */
public final class UploadFailure extends RuntimeException {

    public enum Kind {
        TOO_LARGE,
        /** The client's body broke off or could not be read. */
        BROKEN_BODY,
        /** The client sent nothing for {@code broker.upload.idle-timeout} while its body was wanted. */
        IDLE,
        /** The client sent less than {@code broker.upload.min-rate} over an idle timeout while its body was wanted. */
        TOO_SLOW,
        /** The form turned out invalid after its file had started: a part after it, or a broken end. */
        REJECTED,
        /** No part buffer became free within {@code broker.upload.buffer-wait}; nothing was read. */
        BUSY,
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

    public static UploadFailure idle(Duration timeout) {
        return new UploadFailure(Kind.IDLE, "The upload sent nothing for " + timeout.toSeconds() + " s; it was aborted");
    }

    public static UploadFailure tooSlow(long bytes, Duration window, long minRate) {
        return new UploadFailure(Kind.TOO_SLOW, "The upload sent " + bytes + " bytes in " + window.toSeconds()
                + " s, less than the least rate of " + minRate + " bytes per second; it was aborted");
    }

    public static UploadFailure busy(Duration wait) {
        return new UploadFailure(Kind.BUSY, "Too many uploads at once: no part buffer became free within "
                + wait.toSeconds() + " s; retry later");
    }

    public static UploadFailure shuttingDown() {
        return new UploadFailure(Kind.SHUTTING_DOWN, "The service is shutting down");
    }
}
