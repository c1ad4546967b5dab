package io.s3broker.testing;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

import io.quarkus.runtime.configuration.DurationConverter;
import io.quarkus.runtime.configuration.MemorySize;
import io.quarkus.runtime.configuration.MemorySizeConverter;
import io.s3broker.config.BrokerConfig;
import io.smallrye.config.SmallRyeConfigBuilder;
import io.smallrye.config.common.MapBackedConfigSource;

/** A {@link BrokerConfig} from a map, with the mapping's defaults and Quarkus' converters, for tests without Quarkus. */
public final class TestConfig {

    /** A role ARN for configurations that need one and make no STS call. */
    public static final String ROLE_ARN = "arn:aws:iam::123456789012:role/r";

    private TestConfig() {
    }

    /** {@code values} on top of the defaults; {@code broker.role-arn} is {@link #ROLE_ARN} unless given. */
    public static BrokerConfig of(Map<String, String> values) {
        Map<String, String> all = new HashMap<>(Map.of("broker.role-arn", ROLE_ARN));
        all.putAll(values);
        return new SmallRyeConfigBuilder()
                .withMapping(BrokerConfig.class)
                .addDefaultInterceptors()
                .withConverter(MemorySize.class, 100, new MemorySizeConverter())
                .withConverter(Duration.class, 100, new DurationConverter())
                .withSources(new MapBackedConfigSource("test", all) {
                })
                .build()
                .getConfigMapping(BrokerConfig.class);
    }
}
