package io.s3broker.upload;

/** What uploads report, so that metrics stay out of the upload code; every method may be called from any thread. */
public interface UploadObserver {

    /** An upload started reading its body (or waiting for a part buffer to do so). */
    default void started() {
    }

    /** An upload is stored in S3. */
    default void completed(long bytes) {
    }

    /**
     * An upload that {@link #started} ended without storing anything; {@code reason} is a short lower-case name:
     * an {@link UploadFailure.Kind} (too_large, broken_body, idle, too_slow, rejected: the form turned out invalid
     * after its file, busy, shutting_down), {@code credentials} or {@code s3} (S3 failed or stalled).
     */
    default void failed(String reason) {
    }

    /** Part buffers handed out, and uploads waiting for one, after a change. */
    default void buffers(int inUse, int waiting) {
    }
}
