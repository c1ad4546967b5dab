package io.s3broker.rest;

import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

import jakarta.enterprise.context.ApplicationScoped;

import io.s3broker.config.BrokerConfig;
import io.s3broker.config.Regions;
import io.s3broker.config.S3Names;
import io.s3broker.rest.error.BrokerException;
import io.s3broker.rest.error.ErrorCode;
import io.s3broker.s3.ObjectLocation;

/**
 * Checks what clients send before any network call, so a bad request costs nothing upstream and gets a
 * precise 400. Parameters arrive as strings: a typed JAX-RS parameter that fails to convert answers 404.
 */
@ApplicationScoped
public class RequestValidator {

    private static final Pattern MEDIA_TYPE = Pattern.compile(
            "[\\w!#$&^.+-]+/[\\w!#$&^.+-]+([ \\t]*;[ \\t]*[\\w!#$&^.+-]+=(\"[^\"\\p{Cntrl}]*\"|[\\w!#$&^.+-]+))*");

    /** S3's limit of one PutObject. */
    static final long MAX_PUT_OBJECT = 5L << 30;

    private final String defaultRegion;
    private final long maxUploadSize;
    private final Set<String> regions;
    private final Duration defaultExpiry;
    private final Duration maxExpiry;

    public RequestValidator(BrokerConfig config) {
        this.defaultRegion = config.region();
        this.maxUploadSize = config.upload().maxSize().asLongValue();
        this.regions = Regions.allowed(config);
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
        if (bucket.length() > 63 || !S3Names.isValidBucket(bucket)) {
            throw BrokerException.invalid("bucket", S3Names.BUCKET_RULES);
        }
        return bucket;
    }

    /** An object key, taken literally: anything that could be normalized into another key is refused. */
    public String key(String key) {
        if (key == null || key.isEmpty()) {
            throw BrokerException.missing("key");
        }
        String problem = S3Names.keyProblem(key, false);
        if (problem != null) {
            throw BrokerException.invalid("key", "an object key " + problem);
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
        if (!regions.contains(region)) {
            throw BrokerException.invalid("region", "this broker serves " + String.join(", ", regions)
                    + " (broker.regions)");
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
            seconds = Long.parseLong(expiresIn.length() > 20 ? "x" : expiresIn.trim());
        } catch (NumberFormatException e) {
            throw BrokerException.invalid("expiresIn", "must be a whole number of seconds");
        }
        if (seconds < 1 || seconds > maxExpiry.toSeconds()) {
            throw BrokerException.invalid("expiresIn", "must be between 1 and " + maxExpiry.toSeconds()
                    + " seconds (a presigned URL cannot outlive the role session)");
        }
        return Duration.ofSeconds(seconds);
    }

    /**
     * The {@code size} of a presigned PUT's body, in bytes: required, at most {@code broker.upload.max-size} (413
     * beyond) and at most S3's 5 GiB for one PutObject.
     */
    public long size(String size) {
        if (isAbsent(size)) {
            throw BrokerException.missing("size");
        }
        String digits = size.trim();
        if (digits.isEmpty() || digits.length() > 19 || !digits.chars().allMatch(c -> c >= '0' && c <= '9')) {
            throw BrokerException.invalid("size", "must be the body's length in bytes, a whole number");
        }
        long bytes = Long.parseLong(digits);
        if (bytes > maxUploadSize) {
            throw new BrokerException(ErrorCode.PAYLOAD_TOO_LARGE, "The upload's size, " + bytes
                    + " bytes, is over broker.upload.max-size (" + maxUploadSize + " bytes)");
        }
        if (bytes > MAX_PUT_OBJECT) {
            throw BrokerException.invalid("size", "one PutObject takes at most 5 GiB; send larger objects with PUT /item");
        }
        return bytes;
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

}
