package io.s3broker.rest;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.regex.Pattern;

import io.s3broker.auth.Caller;

/**
 * The keys of browser uploads: {@code <key-prefix><caller>/<random id>-<file name made safe>}. The broker chooses
 * them, never the browser, so a caller's uploads all lie under its own prefix and nothing else does: whether a key
 * is the caller's is a look at the key (docs/decisions/0015-companion-api.md).
 */
final class CompanionKeys {

    /** Room for the prefix and the caller within S3's 1024 bytes, and short enough to read in a listing. */
    static final int MAX_NAME_LENGTH = 120;
    private static final int ID_BYTES = 16;
    private static final Pattern OWN_NAME = Pattern.compile("[0-9a-f]{" + 2 * ID_BYTES + "}-[A-Za-z0-9._-]{1,"
            + MAX_NAME_LENGTH + "}");
    private static final SecureRandom RANDOM = new SecureRandom();

    private final String keyPrefix;

    CompanionKeys(String keyPrefix) {
        this.keyPrefix = keyPrefix;
    }

    /** A new key for {@code filename}, unique whatever the name. */
    String newKey(Caller caller, String filename) {
        byte[] id = new byte[ID_BYTES];
        RANDOM.nextBytes(id);
        return callerPrefix(caller) + HexFormat.of().formatHex(id) + "-" + safeName(filename);
    }

    /** Whether {@code key} is one {@link #newKey} made for {@code caller}. */
    boolean isOwnKey(Caller caller, String key) {
        String prefix = callerPrefix(caller);
        return key.startsWith(prefix) && OWN_NAME.matcher(key.substring(prefix.length())).matches();
    }

    /**
     * {@code <key-prefix><caller>/}. Caller names are API key names or JWT subjects (which may hold "/" or "%"):
     * everything but letters, digits and {@code -_.@} is percent-encoded, so that no caller's prefix is a prefix of
     * another's and no name becomes a "." or ".." segment.
     */
    String callerPrefix(Caller caller) {
        String name = caller.name();
        StringBuilder segment = new StringBuilder(keyPrefix.length() + name.length() + 8).append(keyPrefix);
        boolean dotsOnly = name.chars().allMatch(c -> c == '.');
        for (byte b : name.getBytes(StandardCharsets.UTF_8)) {
            int c = b & 0xff;
            boolean keep = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-'
                    || c == '_' || c == '@' || (c == '.' && !dotsOnly);
            if (keep) {
                segment.append((char) c);
            } else {
                segment.append('%').append(Character.toUpperCase(Character.forDigit(c >> 4, 16)))
                        .append(Character.toUpperCase(Character.forDigit(c & 0xf, 16)));
            }
        }
        return segment.append('/').toString();
    }

    /**
     * The file name as a key segment: ASCII letters, digits and {@code ._-}, any other run of characters one
     * {@code _}, at most {@link #MAX_NAME_LENGTH} characters, keeping the extension where it can.
     */
    static String safeName(String filename) {
        String base = filename.substring(Math.max(filename.lastIndexOf('/'), filename.lastIndexOf('\\')) + 1);
        String safe = base.replaceAll("[^A-Za-z0-9._-]+", "_");
        if (safe.isEmpty() || safe.chars().allMatch(c -> c == '.' || c == '_')) {
            return "file";
        }
        if (safe.length() > MAX_NAME_LENGTH) {
            int dot = safe.lastIndexOf('.');
            String extension = dot > 0 && safe.length() - dot <= 16 ? safe.substring(dot) : "";
            safe = safe.substring(0, MAX_NAME_LENGTH - extension.length()) + extension;
        }
        return safe;
    }
}
