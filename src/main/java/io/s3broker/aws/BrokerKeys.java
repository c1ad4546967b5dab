package io.s3broker.aws;

import java.util.Map;

import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProviderChain;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;

/**
 * The broker's own long-term keys, which only sign AssumeRole. They come from the SDK's default chain
 * (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, system properties, profile, web identity for IRSA, container and
 * instance roles), after the names the original app used, S3_ACCESS_KEY_ID / S3_SECRET_ACCESS_KEY.
 */
public final class BrokerKeys {

    static final String LEGACY_ACCESS_KEY = "S3_ACCESS_KEY_ID";
    static final String LEGACY_SECRET_KEY = "S3_SECRET_ACCESS_KEY";

    private BrokerKeys() {
    }

    public static AwsCredentialsProvider provider(Map<String, String> environment) {
        String accessKey = environment.get(LEGACY_ACCESS_KEY);
        String secretKey = environment.get(LEGACY_SECRET_KEY);
        DefaultCredentialsProvider defaults = DefaultCredentialsProvider.builder().build();
        if (isSet(accessKey) && isSet(secretKey)) {
            return AwsCredentialsProviderChain.of(
                    StaticCredentialsProvider.create(AwsBasicCredentials.create(accessKey, secretKey)), defaults);
        }
        return defaults;
    }

    private static boolean isSet(String value) {
        return value != null && !value.isBlank();
    }
}
