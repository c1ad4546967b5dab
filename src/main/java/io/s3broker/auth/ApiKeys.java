package io.s3broker.auth;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The configured API keys, each as a caller's name and the SHA-256 of the key: the configuration never holds a
 * key itself, so a leaked configuration file or environment lets nobody in. A name may come with several keys:
 * that is how a caller's key is rotated (the new pair beside the old, then the old removed).
 */
public final class ApiKeys {

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._@-]{0,63}");
    private static final Pattern SHA256_HEX = Pattern.compile("[0-9a-fA-F]{64}");
    /** Longer bearer values are refused before they are hashed. */
    static final int MAX_KEY_LENGTH = 512;

    private record Entry(Caller caller, byte[] hash) {
    }

    private final List<Entry> entries;

    private ApiKeys(List<Entry> entries) {
        this.entries = List.copyOf(entries);
    }

    /**
     * Parses {@code name:sha256hex} pairs.
     *
     * @throws IllegalArgumentException naming the bad pair's position, never its hash
     */
    public static ApiKeys parse(List<String> pairs) {
        List<Entry> entries = new ArrayList<>();
        for (int i = 0; i < pairs.size(); i++) {
            String pair = pairs.get(i).strip();
            int colon = pair.indexOf(':');
            String name = colon < 0 ? "" : pair.substring(0, colon);
            String hash = colon < 0 ? "" : pair.substring(colon + 1);
            if (!NAME.matcher(name).matches() || !SHA256_HEX.matcher(hash).matches()) {
                throw new IllegalArgumentException("entry " + (i + 1) + " is not name:sha256hex (a name of letters,"
                        + " digits and ._@-, then the 64 hex digits of the SHA-256 of the key, never the key itself)");
            }
            entries.add(new Entry(new Caller(name), HexFormat.of().parseHex(hash.toLowerCase(java.util.Locale.ROOT))));
        }
        return new ApiKeys(entries);
    }

    public boolean isEmpty() {
        return entries.isEmpty();
    }

    /**
     * The caller whose key this is. Every configured hash is compared, in constant time each, so that the time taken
     * says nothing about which key came close.
     */
    public Optional<Caller> match(String key) {
        if (key.isEmpty() || key.length() > MAX_KEY_LENGTH) {
            return Optional.empty();
        }
        byte[] hash = sha256(key);
        Caller found = null;
        for (Entry entry : entries) {
            if (MessageDigest.isEqual(entry.hash(), hash)) {
                found = entry.caller();
            }
        }
        return Optional.ofNullable(found);
    }

    public static byte[] sha256(String key) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
