package io.s3broker.upload;

import java.time.Duration;

/**
 * The upload engine's settings, from {@code broker.upload.*} and {@code broker.s3.timeout}.
 *
 * @param multipartThreshold a body of known length up to this goes as one streamed PutObject
 * @param callTimeout bound of a call whose body is in memory, or that assembles data: UploadPart from the copy,
 *        PutObject from memory, CompleteMultipartUpload
 * @param metadataTimeout bound of CreateMultipartUpload, AbortMultipartUpload and HeadObject, retries included
 * @param idleTimeout how long an upload may make no progress (client or S3) before it is aborted
 * @param bufferWait how long an upload waits for a part buffer before it is refused
 */
record UploadSettings(long partSize, int maxPartsInFlight, long maxSize, long multipartThreshold, Duration callTimeout,
        Duration metadataTimeout, Duration idleTimeout, Duration bufferWait) {

    /** S3's smallest part but the last. */
    static final long MIN_PART_SIZE = 5L << 20;

    /**
     * Bytes a part of unknown length collects (in the upload's copy) before its call starts: a body that ends
     * within that goes from the copy, once, and a small body as one PutObject. S3's smallest part, or half a part
     * if that is less (docs/decisions/0019-first-bytes-from-the-copy.md).
     */
    long streamAfter() {
        return Math.min(MIN_PART_SIZE, partSize / 2);
    }
}
