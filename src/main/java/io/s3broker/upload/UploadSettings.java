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

    /** Bytes a part of unknown length collects before its call starts: less than that goes as the last part. */
    static final int STREAM_AFTER = 1 << 20;
}
