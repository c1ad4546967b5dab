package io.s3broker.credentials;

/** What a scope lets its credentials do with objects under its prefix. */
public enum Access {
    /** GetObject: GET /item and its presigned URL. */
    READ,
    /** PutObject and the multipart calls: PUT and POST /item, GET /item/upload-url. */
    WRITE
}
