package io.s3broker.testing;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Properties;

/**
 * The command that starts what the build packaged, as Quarkus' own integration-test launcher finds it: the artifact
 * Quarkus describes in target/quarkus-artifact.properties, a fast-jar run with this JVM's java or, under
 * {@code -Pnative}, the native executable. For the ITs that must own the process (signal it, kill it, restart it,
 * read its console or its exit code), which {@code @QuarkusIntegrationTest} does not give a test.
 */
public final class PackagedBroker {

    private static final Path TARGET = Path.of("target");

    private PackagedBroker() {
    }

    /** A ProcessBuilder for the packaged broker; the caller adds its environment and output. */
    public static ProcessBuilder command() {
        Properties artifact = new Properties();
        Path described = TARGET.resolve("quarkus-artifact.properties");
        try (Reader in = Files.newBufferedReader(described)) {
            artifact.load(in);
        } catch (IOException e) {
            throw new IllegalStateException("No " + described + ": package the broker first (./mvnw verify)", e);
        }
        Path path = TARGET.resolve(artifact.getProperty("path", ""));
        String type = artifact.getProperty("type", "");
        List<String> command = switch (type) {
            case "jar" -> List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-jar",
                    path.toString());
            case "native" -> List.of(path.toAbsolutePath().toString());
            default -> throw new IllegalStateException("Cannot start a packaged artifact of type '" + type + "' ("
                    + described + "), only jar or native");
        };
        if (!Files.isRegularFile(path)) {
            throw new IllegalStateException("No " + path + " as " + described + " says: package the broker first");
        }
        return new ProcessBuilder(command);
    }
}
