package io.s3broker.upload;

/** What a finished upload stored. */
public record UploadResult(String bucket, String key, long size, String etag) {
}
