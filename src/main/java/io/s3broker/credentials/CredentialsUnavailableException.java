package io.s3broker.credentials;

/** No valid temporary credentials can be had right now: STS failed and the cached ones (if any) expired. */
public class CredentialsUnavailableException extends RuntimeException {

    public CredentialsUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
