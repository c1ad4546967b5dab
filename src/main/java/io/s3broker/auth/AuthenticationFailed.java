package io.s3broker.auth;

/** A request without a valid credential for the configured mode; the answer is 401 with WWW-Authenticate. */
public final class AuthenticationFailed extends RuntimeException {

    public AuthenticationFailed(String message) {
        super(message, null, false, false);
    }
}
