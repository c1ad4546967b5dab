package io.s3broker.tus;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Optional;
import java.util.regex.Pattern;

import io.s3broker.auth.Caller;

/**
 * The id in an upload's URL, {@code /files/<id>}: its multipart upload, when it was created, whose it is, and its
 * object's name under the caller's key prefix. Everything a request needs to find the upload in S3 is here, so that
 * any broker can serve it without state of its own; the caller's prefix comes from the authenticated caller, never
 * from the id, so an id can name no other caller's object. {@code owner} only lets another caller's id be refused
 * (404) before any S3 call.
 *
 * @param uploadId S3's multipart upload id; empty for an upload of 0 bytes, stored whole at its creation
 * @param created seconds since the epoch: the upload expires {@code broker.tus.expiry} later
 * @param owner {@link #ownerOf} the caller
 * @param name the object's key after the caller's prefix: {@code <random id>-<file name made safe>}
 */
record TusId(String uploadId, long created, String owner, String name) {

    private static final Pattern FORM = Pattern.compile("([A-Za-z0-9_-]*)\\.([0-9]{1,12})\\.([0-9a-f]{12})\\.([A-Za-z0-9._-]{1,200})");
    private static final Base64.Encoder ENCODER = Base64.getUrlEncoder().withoutPadding();

    /** The id as it goes into the URL: characters that need no escaping in a path. */
    String text() {
        return ENCODER.encodeToString(uploadId.getBytes(StandardCharsets.UTF_8)) + "." + created + "." + owner + "."
                + name;
    }

    static Optional<TusId> parse(String text) {
        var match = FORM.matcher(text);
        if (!match.matches()) {
            return Optional.empty();
        }
        try {
            String uploadId = new String(Base64.getUrlDecoder().decode(match.group(1)), StandardCharsets.UTF_8);
            return Optional.of(new TusId(uploadId, Long.parseLong(match.group(2)), match.group(3), match.group(4)));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    /** A short digest of the caller's name: tells whose an id is without naming the caller. */
    static String ownerOf(Caller caller) {
        try {
            byte[] hash = MessageDigest.getInstance("SHA-256")
                    .digest(("tus-owner\0" + caller.name()).getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(hash, 0, 6);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
