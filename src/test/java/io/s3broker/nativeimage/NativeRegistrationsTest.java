package io.s3broker.nativeimage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

import io.quarkus.runtime.annotations.RegisterForReflection;

/**
 * Guards the native build, which CI only prepares (sources-only): a JSON record that is not registered for
 * reflection serialises to nothing in a native executable, and nothing on the JVM would notice.
 */
class NativeRegistrationsTest {

    @Test
    void everyRecordOfTheHttpPackagesIsRegisteredForReflection() throws Exception {
        Set<String> registered = Arrays.stream(
                NativeRegistrations.JsonTypes.class.getAnnotation(RegisterForReflection.class).targets())
                .map(Class::getName).collect(Collectors.toCollection(TreeSet::new));

        Set<String> records = new TreeSet<>();
        List<String> classes = new java.util.ArrayList<>(classesUnder("io/s3broker/rest"));
        classes.addAll(classesUnder("io/s3broker/browser"));
        for (String className : classes) {
            Class<?> type = Class.forName(className, false, getClass().getClassLoader());
            if (type.isRecord()) {
                records.add(type.getName());
            }
        }
        assertFalse(records.isEmpty(), "found no records under io.s3broker.rest: the scan is broken");
        records.removeAll(registered);
        // Holds an answer's parts; its ErrorResponse body is what is written as JSON.
        records.remove("io.s3broker.rest.error.ApiErrors$ApiError");
        // What a browser request carries once checked, never written as JSON.
        records.remove("io.s3broker.browser.BrowserUploads$Owned");
        records.remove("io.s3broker.browser.BrowserUploads$NewObject");
        assertEquals(Set.of(), records,
                "JSON records missing from NativeRegistrations.JsonTypes (they would serialise to {} in a native image)");
    }

    @Test
    void theSdkClassesNamedForReflectionExist() throws Exception {
        String[] names = NativeRegistrations.AwsSdk.class.getAnnotation(RegisterForReflection.class).classNames();
        assertTrue(names.length > 0);
        for (String name : names) {
            // A renamed SDK class would otherwise be skipped silently at native build time.
            Class.forName(name, false, getClass().getClassLoader());
        }
    }

    private static List<String> classesUnder(String packagePath) throws IOException, URISyntaxException {
        Path root = Path.of(NativeRegistrations.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        try (Stream<Path> files = Files.walk(root.resolve(packagePath))) {
            return files.map(root::relativize).map(Path::toString)
                    .filter(name -> name.endsWith(".class"))
                    .map(name -> name.substring(0, name.length() - ".class".length()).replace('/', '.')
                            .replace('\\', '.'))
                    .sorted().toList();
        }
    }
}
