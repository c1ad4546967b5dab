package io.s3broker.credentials;

/** What a scope lets its credentials do with objects under its prefix. */
public enum Access {
    /** GetObject: GET /item and its presigned URL. */
    READ,
    /** PutObject and the multipart calls: PUT and POST /item, GET /item/upload-url. */
    WRITE,
    /**
     * DeleteObject only: the state objects of resumable (tus) uploads, which the broker removes when an upload ends.
     * Never an allow-list entry, never vended: the broker makes these grants itself, under a write entry's prefix.
     */
    DELETE,
    /** ListBucketMultipartUploads on the bucket: the sweep of expired resumable uploads. The broker's own, never vended. */
    LIST_UPLOADS
}
