package io.s3broker.rest;

import java.time.Instant;

/** The answer of GET /item. */
public record PresignedItem(boolean success, String url, String bucket, String key, Instant expiresAt) {
}
