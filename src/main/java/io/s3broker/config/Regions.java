package io.s3broker.config;

import java.util.LinkedHashSet;
import java.util.Set;
import java.util.regex.Pattern;

/** What the broker accepts as a region name, in configuration and in requests alike. */
public final class Regions {

    /** AWS regions ({@code eu-west-1}, {@code us-gov-east-1}) and the short names S3-compatible servers use. */
    public static final String PATTERN = "[a-z0-9]+(-[a-z0-9]+){0,4}";
    public static final String MESSAGE = "must be a region name such as us-east-1";

    private static final Pattern COMPILED = Pattern.compile(PATTERN);
    private static final int MAX_LENGTH = 32;

    private Regions() {
    }

    /** The regions requests may name: {@code broker.regions}, the default region always among them. */
    public static Set<String> allowed(BrokerConfig config) {
        Set<String> regions = new LinkedHashSet<>();
        regions.add(config.region());
        config.regions().ifPresent(regions::addAll);
        return regions;
    }

    public static boolean isValid(String region) {
        return region.length() <= MAX_LENGTH && COMPILED.matcher(region).matches();
    }
}
