package io.s3broker.rest.error;

/**
 * A request the HTTP layer itself refuses (a missing or invalid parameter, a malformed body), with the code it answers.
 * The layers below throw their own exceptions; {@link ApiErrors} maps all of them.
 */
public class BrokerException extends RuntimeException {

    private final ErrorCode code;

    public BrokerException(ErrorCode code, String message) {
        this(code, message, null);
    }

    public BrokerException(ErrorCode code, String message, Throwable cause) {
        // No stack trace: these are answers to clients, thrown often under load, not bugs.
        super(message, cause, false, false);
        this.code = code;
    }

    public ErrorCode code() {
        return code;
    }

    public static BrokerException missing(String parameter) {
        return new BrokerException(ErrorCode.MISSING_PARAMETER, "Missing required parameter '" + parameter + "'");
    }

    public static BrokerException invalid(String parameter, String why) {
        return new BrokerException(ErrorCode.INVALID_PARAMETER, "Invalid parameter '" + parameter + "': " + why);
    }
}
