package io.s3broker.auth;

import java.nio.charset.StandardCharsets;
import java.util.Objects;

import io.s3broker.logging.LogText;

/**
 * Who sent a request: an API key's name or a JWT's subject. Never a secret.
 * <p>
 * Its name as one segment of an object key ({@link #keySegment()}) is what the placeholder {@code {caller}} of
 * allow-list entries and of {@code broker.companion.key-prefix} becomes.
 */
public final class Caller {

    /** The caller when authentication is off ({@code broker.auth.mode=none}): every request is this one. */
    public static final Caller ANONYMOUS = new Caller("anonymous");

    /**
     * The longest name, in bytes of UTF-8. A JWT subject beyond it is refused: its key segment (up to three times as
     * long) must fit in S3's 1024-byte keys and in the session policies of the caller's scopes.
     */
    public static final int MAX_NAME_BYTES = 128;

    private final String name;
    private final String keySegment;

    public Caller(String name) {
        this.name = Objects.requireNonNull(name, "name");
        this.keySegment = keySegment(name);
    }

    public String name() {
        return name;
    }

    /** {@link #name()} as one key segment; see {@link #keySegment(String)}. */
    public String keySegment() {
        return keySegment;
    }

    /**
     * {@code name} as one segment of an object key, injectively: letters, digits and {@code -_.@} stay, every other
     * byte of its UTF-8 becomes {@code %XX} (so "/" cannot split it, "*", "?" and "$" cannot act as policy wildcards
     * or variables, and no control character reaches a key), and a name of dots only is encoded whole, so that it is
     * never a "." or ".." segment. Two names never share a segment, and, followed by "/", no caller's prefix is a
     * prefix of another's.
     */
    public static String keySegment(String name) {
        boolean dotsOnly = name.chars().allMatch(c -> c == '.');
        StringBuilder segment = null;
        byte[] bytes = name.getBytes(StandardCharsets.UTF_8);
        for (int i = 0; i < bytes.length; i++) {
            int c = bytes[i] & 0xff;
            boolean keep = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-'
                    || c == '_' || c == '@' || (c == '.' && !dotsOnly);
            if (!keep && segment == null) {
                segment = new StringBuilder(bytes.length * 3).append(name, 0, i);
            }
            if (segment != null) {
                if (keep) {
                    segment.append((char) c);
                } else {
                    segment.append('%').append(Character.toUpperCase(Character.forDigit(c >> 4, 16)))
                            .append(Character.toUpperCase(Character.forDigit(c & 0xf, 16)));
                }
            }
        }
        return segment == null ? name : segment.toString();
    }

    /**
     * Why {@code name} cannot be a caller, or null: empty or blank, over {@link #MAX_NAME_BYTES}, or not valid
     * Unicode (a broken surrogate pair would encode like "?", and two names would share a segment).
     */
    public static String problem(String name) {
        if (name == null || name.isBlank()) {
            return "is empty";
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < name.length() && Character.isLowSurrogate(name.charAt(i + 1))) {
                i++;
            } else if (Character.isSurrogate(c)) {
                return "is not valid Unicode";
            }
        }
        if (name.getBytes(StandardCharsets.UTF_8).length > MAX_NAME_BYTES) {
            return "is longer than " + MAX_NAME_BYTES + " bytes";
        }
        return null;
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof Caller caller && caller.name.equals(name);
    }

    @Override
    public int hashCode() {
        return name.hashCode();
    }

    @Override
    public String toString() {
        return "Caller[" + LogText.escape(name) + "]";
    }
}
