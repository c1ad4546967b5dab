package io.s3broker.rest;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;
import java.util.regex.Pattern;

import jakarta.enterprise.context.ApplicationScoped;

import io.s3broker.config.BrokerConfig;
import io.s3broker.config.Regions;
import io.s3broker.rest.error.BrokerException;
import io.s3broker.s3.ObjectLocation;

/**
 * Checks what clients send before any network call, so a bad request costs nothing upstream and gets a
 * precise 400. Parameters arrive as strings: a typed JAX-RS parameter that fails to convert answers 404.
 */
@ApplicationScoped
public class RequestValidator {

    /** S3 bucket naming rules for general purpose buckets (the DNS-compatible ones every region accepts). */
    private static final Pattern BUCKET = Pattern.compile("[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]");
    private static final Pattern IP_ADDRESS = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}");
    private static final int MAX_KEY_BYTES = 1024;
    private static final Pattern MEDIA_TYPE = Pattern.compile(
            "[\\w!#$&^.+-]+/[\\w!#$&^.+-]+(\\s*;\\s*[\\w!#$&^.+-]+=(\"[^\"\\p{Cntrl}]*\"|[\\w!#$&^.+-]+))*");

    private final String defaultRegion;
    private final Duration defaultExpiry;
    private final Duration maxExpiry;

    public RequestValidator(BrokerConfig config) {
        this.defaultRegion = config.region();
        this.defaultExpiry = config.presign().defaultExpiry();
        Duration max = config.presign().maxExpiry();
        Duration session = config.roleSessionDuration();
        this.maxExpiry = max.compareTo(session) <= 0 ? max : session;
    }

    public ObjectLocation location(String bucket, String key, String region) {
        return new ObjectLocation(region(region), bucket(bucket), key(key));
    }

    public String bucket(String bucket) {
        if (isAbsent(bucket)) {
            throw BrokerException.missing("bucket");
        }
        if (!BUCKET.matcher(bucket).matches() || bucket.contains("..") || bucket.contains(".-")
                || bucket.contains("-.") || IP_ADDRESS.matcher(bucket).matches()) {
            throw BrokerException.invalid("bucket", "a bucket name is 3 to 63 lowercase letters, digits, dots and hyphens,"
                    + " starts and ends with a letter or digit, and is not an IP address");
        }
        return bucket;
    }

    public String key(String key) {
        if (key == null || key.isEmpty()) {
            throw BrokerException.missing("key");
        }
        if (key.getBytes(StandardCharsets.UTF_8).length > MAX_KEY_BYTES) {
            throw BrokerException.invalid("key", "an object key is at most " + MAX_KEY_BYTES + " bytes of UTF-8");
        }
        for (int i = 0; i < key.length(); i++) {
            char c = key.charAt(i);
            if (c < 0x20 || c == 0x7f || Character.isSurrogate(c) && !validSurrogatePair(key, i)) {
                throw BrokerException.invalid("key", "an object key must not contain control characters or broken Unicode");
            }
            if (Character.isHighSurrogate(c)) {
                i++;
            }
        }
        return key;
    }

    public String region(String region) {
        if (isAbsent(region)) {
            return defaultRegion;
        }
        if (!Regions.isValid(region)) {
            throw BrokerException.invalid("region", Regions.MESSAGE);
        }
        return region;
    }

    /** {@code expiresIn} in whole seconds, from 1 up to the smaller of the max expiry and the session duration. */
    public Duration expiresIn(String expiresIn) {
        if (isAbsent(expiresIn)) {
            return defaultExpiry;
        }
        long seconds;
        try {
            seconds = Long.parseLong(expiresIn.trim());
        } catch (NumberFormatException e) {
            throw BrokerException.invalid("expiresIn", "must be a whole number of seconds");
        }
        if (seconds < 1 || seconds > maxExpiry.toSeconds()) {
            throw BrokerException.invalid("expiresIn", "must be between 1 and " + maxExpiry.toSeconds()
                    + " seconds (a presigned URL cannot outlive the role session)");
        }
        return Duration.ofSeconds(seconds);
    }

    /** An optional media type such as {@code image/png}, to be signed into a presigned PUT. */
    public Optional<String> contentType(String contentType) {
        if (isAbsent(contentType)) {
            return Optional.empty();
        }
        if (contentType.length() > 255 || !MEDIA_TYPE.matcher(contentType).matches()) {
            throw BrokerException.invalid("contentType", "must be a media type such as image/png");
        }
        return Optional.of(contentType);
    }

    public boolean flag(String name, String value, boolean defaultValue) {
        if (isAbsent(value)) {
            return defaultValue;
        }
        return switch (value.trim().toLowerCase(java.util.Locale.ROOT)) {
            case "true" -> true;
            case "false" -> false;
            default -> throw BrokerException.invalid(name, "must be true or false");
        };
    }

    private static boolean isAbsent(String value) {
        return value == null || value.isBlank();
    }

    private static boolean validSurrogatePair(String s, int i) {
        return Character.isHighSurrogate(s.charAt(i)) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1));
    }
}
