package io.s3broker.auth;

/** Who sent a request: an API key's name or a JWT's subject. Never a secret. */
public record Caller(String name) {

    /** The caller when authentication is off ({@code broker.auth.mode=none}): every request is this one. */
    public static final Caller ANONYMOUS = new Caller("anonymous");
}
