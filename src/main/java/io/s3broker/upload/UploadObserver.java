package io.s3broker.upload;

/** What uploads report, so that metrics stay out of the upload code; every method may be called from any thread. */
public interface UploadObserver {

    /** An upload is stored in S3. */
    default void completed(long bytes) {
    }
}
