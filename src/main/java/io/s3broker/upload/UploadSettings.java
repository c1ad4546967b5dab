package io.s3broker.upload;

import java.time.Duration;

/**
 * The upload engine's settings, from {@code broker.upload.*}.
 *
 * @param multipartThreshold a body of known length up to this goes as one streamed PutObject
 * @param idleTimeout how long an upload may make no progress (client or S3) before it is aborted, and the window
 *        over which its client must send at least {@code minRate}
 * @param minRate the fewest bytes per second a client must send while the upload waits for it; 0 for no such bound
 * @param bufferWait how long an upload waits for a part buffer before it is refused
 */
record UploadSettings(long partSize, int maxPartsInFlight, long maxSize, long multipartThreshold, Duration idleTimeout,
        long minRate, Duration bufferWait) {

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

    /** The fewest bytes a client must send within one idle timeout while the upload waits for it. */
    long leastBytesPerWindow() {
        return minRate * idleTimeout.toMillis() / 1000;
    }
}
