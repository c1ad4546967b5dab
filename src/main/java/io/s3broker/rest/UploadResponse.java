package io.s3broker.rest;

/** The answer of POST /item and PUT /item. */
public record UploadResponse(boolean success, String bucket, String key, long size, String etag) {
}
