package io.s3broker.testing;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** A repeatable stream of pseudo-random bytes of a given length, made on the fly: no file, no big array. */
public final class RandomBytes extends InputStream {

    private final long length;
    private long position;
    private long state;

    public RandomBytes(long length, long seed) {
        this.length = length;
        this.state = seed * 0x9E3779B97F4A7C15L + 1;
    }

    @Override
    public int read() {
        if (position >= length) {
            return -1;
        }
        position++;
        return next() & 0xff;
    }

    @Override
    public int read(byte[] buffer, int offset, int count) {
        if (position >= length) {
            return -1;
        }
        int n = (int) Math.min(count, length - position);
        for (int i = 0; i < n; i++) {
            buffer[offset + i] = (byte) next();
        }
        position += n;
        return n;
    }

    private int next() {
        state ^= state << 13;
        state ^= state >>> 7;
        state ^= state << 17;
        return (int) (state >>> 24);
    }

    /** The SHA-256 of the {@code length} bytes that {@code new RandomBytes(length, seed)} yields. */
    public static String sha256(long length, long seed) {
        return sha256(new RandomBytes(length, seed));
    }

    public static String sha256(byte[] bytes) {
        return sha256(new ByteArrayInputStream(bytes));
    }

    public static String sha256(InputStream in) {
        try (in) {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            byte[] buffer = new byte[1 << 16];
            for (int n; (n = in.read(buffer)) >= 0; ) {
                digest.update(buffer, 0, n);
            }
            return HexFormat.of().formatHex(digest.digest());
        } catch (NoSuchAlgorithmException | java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
