package io.s3broker.config;

import java.util.regex.Pattern;

/**
 * What the broker accepts as bucket names, object keys and key prefixes, in configuration (allow-lists) and in
 * requests alike. Keys are matched against allow-lists literally, never normalized, so anything a server or a
 * client might normalize differently is refused instead.
 */
public final class S3Names {

    /** General purpose bucket rules (the DNS-compatible ones every region accepts). */
    private static final Pattern BUCKET = Pattern.compile("[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]");
    private static final Pattern IP_ADDRESS = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}");
    public static final int MAX_KEY_BYTES = 1024;
    /** Stands for the caller's key segment in templated allow-list entries and in broker.companion.key-prefix. */
    public static final String CALLER = "{caller}";
    public static final String BUCKET_RULES = "a bucket name is 3 to 63 lowercase letters, digits, dots and hyphens,"
            + " starts and ends with a letter or digit, and is not an IP address";

    private S3Names() {
    }

    public static boolean isValidBucket(String bucket) {
        return BUCKET.matcher(bucket).matches() && !bucket.contains("..") && !bucket.contains(".-")
                && !bucket.contains("-.") && !IP_ADDRESS.matcher(bucket).matches();
    }

    /**
     * Why {@code key} cannot be an object key (or, with {@code prefix}, an allow-list prefix, which ends with "/"),
     * or null when it can: no leading "/", no empty, "." or ".." segment, no C0 or C1 control, no bidi override, no
     * U+FFFD (what invalid UTF-8 decodes to) nor broken surrogate, at most 1024 bytes of UTF-8.
     */
    public static String keyProblem(String key, boolean prefix) {
        if (key.startsWith("/")) {
            return "must not start with '/'";
        }
        int utf8 = 0;
        for (int i = 0; i < key.length(); i++) {
            char c = key.charAt(i);
            if (c < 0x20 || (c >= 0x7f && c <= 0x9f)) {
                return "must not contain control characters";
            }
            if ((c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069) || c == 0x200e || c == 0x200f
                    || c == 0x061c) {
                return "must not contain bidirectional formatting characters";
            }
            if (c == 0xfffd) {
                return "must be valid UTF-8 (it contains U+FFFD, what invalid bytes decode to)";
            }
            if (Character.isSurrogate(c)) {
                if (!Character.isHighSurrogate(c) || i + 1 >= key.length() || !Character.isLowSurrogate(key.charAt(i + 1))) {
                    return "must be valid Unicode (it contains a broken surrogate pair)";
                }
                i++;
                utf8 += 4;
            } else {
                utf8 += c < 0x80 ? 1 : c < 0x800 ? 2 : 3;
            }
        }
        if (utf8 > MAX_KEY_BYTES) {
            return "must be at most " + MAX_KEY_BYTES + " bytes of UTF-8";
        }
        String body = prefix && key.endsWith("/") ? key.substring(0, key.length() - 1) : key;
        if (prefix && body.isEmpty()) {
            return null;
        }
        for (String segment : body.split("/", -1)) {
            if (segment.isEmpty()) {
                return "must not contain empty segments ('//' or a trailing '/')";
            }
            if (segment.equals(".") || segment.equals("..")) {
                return "must not contain '.' or '..' segments";
            }
        }
        return null;
    }

    /**
     * Why {@code prefix} cannot be a key prefix of configuration (ending with "/", or empty), or null when it can. With
     * {@code templated}, it may hold {@link #CALLER} once, as a whole segment ({@code users/{caller}/}); else no
     * "{" or "}". "*", "?" and "$" never: prefixes are literal, never patterns.
     */
    public static String prefixProblem(String prefix, boolean templated) {
        if (!prefix.isEmpty() && !prefix.endsWith("/")) {
            return "must end with '/'";
        }
        int at = prefix.indexOf(CALLER);
        if (at >= 0 && templated && (prefix.indexOf(CALLER, at + 1) >= 0 || (at > 0 && prefix.charAt(at - 1) != '/')
                || prefix.charAt(at + CALLER.length()) != '/')) {
            return "may hold " + CALLER + " once, as a whole segment ('users/" + CALLER + "/')";
        }
        String literal = at >= 0 && templated ? prefix.replace(CALLER, "x") : prefix;
        if (literal.indexOf('*') >= 0 || literal.indexOf('?') >= 0 || literal.indexOf('$') >= 0
                || literal.indexOf('{') >= 0 || literal.indexOf('}') >= 0) {
            return "must not contain '*', '?', '$', '{' or '}'" + (templated ? " but in " + CALLER : "")
                    + " (prefixes are literal, never patterns)";
        }
        String problem = keyProblem(literal, true);
        return problem == null ? null : "its prefix " + problem;
    }
}
