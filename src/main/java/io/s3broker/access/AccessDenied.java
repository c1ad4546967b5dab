package io.s3broker.access;

/** The caller's allow-list does not cover what the request asks for; nothing was sent to STS or S3. */
public final class AccessDenied extends RuntimeException {

    public AccessDenied(String message) {
        super(message, null, false, false);
    }
}
