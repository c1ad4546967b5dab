package io.s3broker.access;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Optional;
import java.util.regex.Pattern;

import io.s3broker.auth.Caller;

/**
 * The keys of browser and resumable uploads: {@code <key-prefix with the caller's key segment for {caller}><random id>-<file name
 * made safe>}. The broker chooses them, never the browser, so a caller's uploads all lie under its own prefix and
 * nothing else does: whether a key is the caller's is a look at the key (docs/decisions/0015-companion-api.md), and
 * under a templated write entry its scope is the caller's own (docs/decisions/0020-templated-scopes.md). The keys of
 * resumable uploads (io.s3broker.tus) have the same shape under their own prefix.
 */
public final class UploadKeys {

    /** Room for the prefix and the caller within S3's 1024 bytes, and short enough to read in a listing. */
    static final int MAX_NAME_LENGTH = 120;
    private static final int ID_BYTES = 16;
    private static final Pattern OWN_NAME = Pattern.compile("[0-9a-f]{" + 2 * ID_BYTES + "}-[A-Za-z0-9._-]{1,"
            + MAX_NAME_LENGTH + "}");
    private static final SecureRandom RANDOM = new SecureRandom();

    private final String before;
    private final String after;

    /** @param keyPrefix {@code broker.companion.key-prefix} or {@code broker.tus.key-prefix}, which holds {@code {caller}} once (ConfigChecks) */
    public UploadKeys(String keyPrefix) {
        int at = keyPrefix.indexOf(AllowList.PLACEHOLDER);
        this.before = keyPrefix.substring(0, at);
        this.after = keyPrefix.substring(at + AllowList.PLACEHOLDER.length());
    }

    /** A new key for {@code filename}, unique whatever the name. */
    public String newKey(Caller caller, String filename) {
        byte[] id = new byte[ID_BYTES];
        RANDOM.nextBytes(id);
        return callerPrefix(caller) + HexFormat.of().formatHex(id) + "-" + safeName(filename);
    }

    /** Whether {@code key} is one {@link #newKey} made for {@code caller}. */
    public boolean isOwnKey(Caller caller, String key) {
        String prefix = callerPrefix(caller);
        return key.startsWith(prefix) && OWN_NAME.matcher(key.substring(prefix.length())).matches();
    }

    /** The key prefix of {@code caller}'s uploads: the caller's {@link Caller#keySegment()} for {@code {caller}}. */
    public String callerPrefix(Caller caller) {
        return before + caller.keySegment() + after;
    }

    /** The part of every caller's prefix before the caller: where a listing of all callers' keys starts. */
    public String commonPrefix() {
        return before;
    }

    /** The caller for whom {@link #newKey} made {@code key}, if it made it for anyone. */
    public Optional<Caller> owner(String key) {
        if (!key.startsWith(before)) {
            return Optional.empty();
        }
        int end = key.indexOf('/', before.length());
        String name = end < 0 ? null : decode(key.substring(before.length(), end));
        if (name == null || Caller.problem(name) != null) {
            return Optional.empty();
        }
        Caller caller = new Caller(name);
        return isOwnKey(caller, key) ? Optional.of(caller) : Optional.empty();
    }

    /** The name a {@link Caller#keySegment()} was made of; null if it is not one. */
    private static String decode(String segment) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(segment.length());
        for (int i = 0; i < segment.length(); i++) {
            char c = segment.charAt(i);
            if (c == '%' && i + 2 < segment.length() && HexFormat.isHexDigit(segment.charAt(i + 1))
                    && HexFormat.isHexDigit(segment.charAt(i + 2))) {
                bytes.write(HexFormat.fromHexDigits(segment, i + 1, i + 3));
                i += 2;
            } else if (c < 0x80) {
                bytes.write(c);
            } else {
                return null;
            }
        }
        String name = bytes.toString(StandardCharsets.UTF_8);
        // Only a segment keySegment makes decodes to a name that encodes back to it.
        return Caller.keySegment(name).equals(segment) ? name : null;
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
