package io.s3broker.testing;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3AsyncClient;

/**
 * The project's local S3 + STS server (Ceph RGW, booted by scripts/local-s3-sts.sh) as tests see it. Booting it
 * is idempotent, so every test JVM may call {@link #up()}; if it cannot start, the tests fail with its output.
 */
public final class LocalS3Sts {

    private static final Path SCRIPT = Path.of("scripts", "local-s3-sts.sh");
    private static Map<String, String> env;
    private static S3AsyncClient admin;

    private LocalS3Sts() {
    }

    /** Boots (or finds) the server and returns the variables of its env file. */
    public static synchronized Map<String, String> up() {
        if (env == null) {
            env = readEnvFile(Path.of(run("up").strip().lines().reduce((first, second) -> second).orElseThrow()));
        }
        return env;
    }

    public static String get(String name) {
        String value = up().get(name);
        if (value == null) {
            throw new IllegalStateException("The local S3/STS env file has no " + name);
        }
        return value;
    }

    public static String bucket() {
        return get("LOCAL_S3STS_BUCKET");
    }

    /** AssumeRole calls the gateway has served since it booted, counted by the gateway itself. */
    public static long assumeRoleCount() {
        return Long.parseLong(run("assume-role-count").strip());
    }

    /** An S3 client with the bucket owner's keys, for setting up and checking what the broker did. */
    public static synchronized S3AsyncClient admin() {
        if (admin == null) {
            admin = S3AsyncClient.builder()
                    .endpointOverride(URI.create(get("LOCAL_S3STS_ENDPOINT")))
                    .region(Region.US_EAST_1)
                    .forcePathStyle(true)
                    .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
                    .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED)
                    .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(
                            get("LOCAL_S3STS_ADMIN_ACCESS_KEY"), get("LOCAL_S3STS_ADMIN_SECRET_KEY"))))
                    .build();
        }
        return admin;
    }

    private static String run(String command) {
        try {
            Path log = Files.createTempFile("local-s3-sts-", ".log");
            Process process = new ProcessBuilder(List.of("bash", SCRIPT.toString(), command))
                    .redirectError(log.toFile())
                    .start();
            String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            // The first boot on a fresh machine installs Ceph from Debian's packages: allow for it.
            if (!process.waitFor(15, TimeUnit.MINUTES) || process.exitValue() != 0) {
                process.destroyForcibly();
                throw new IllegalStateException("scripts/local-s3-sts.sh " + command + " failed; tests that need S3/STS"
                        + " cannot run without it. Its output:\n" + out + Files.readString(log));
            }
            Files.deleteIfExists(log);
            return out;
        } catch (IOException e) {
            throw new IllegalStateException("Could not run scripts/local-s3-sts.sh " + command, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while running scripts/local-s3-sts.sh " + command, e);
        }
    }

    private static Map<String, String> readEnvFile(Path file) {
        Map<String, String> values = new HashMap<>();
        try {
            for (String line : Files.readAllLines(file)) {
                String entry = line.strip();
                if (entry.startsWith("export ")) {
                    entry = entry.substring("export ".length());
                }
                int eq = entry.indexOf('=');
                if (eq > 0 && !entry.startsWith("#")) {
                    values.put(entry.substring(0, eq), unquote(entry.substring(eq + 1)));
                }
            }
        } catch (IOException e) {
            throw new IllegalStateException("Could not read the local S3/STS env file " + file, e);
        }
        return values;
    }

    private static String unquote(String value) {
        if (value.length() >= 2 && (value.startsWith("'") && value.endsWith("'") || value.startsWith("\"") && value.endsWith("\""))) {
            return value.substring(1, value.length() - 1);
        }
        return value;
    }
}
