package io.s3broker;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.Architectures.layeredArchitecture;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import org.junit.jupiter.api.Test;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;

/**
 * The packages' arrows point one way: tus (resumable uploads, a handler of its own) -> (rest, access, auth, upload, s3,
 * credentials); rest -> (access, auth, upload, s3, credentials); upload -> (access, auth, s3,
 * credentials, aws), since the upload service counts, audits and limits per caller; access -> (auth, credentials);
 * s3 -> (credentials, aws); credentials -> aws; everything may use config and logging (escaping for log lines, log
 * handlers), which uses nothing of the broker's but config; health and metrics observe credentials, upload and s3;
 * startup (the warm-up before readiness) drives the API through access and auth;
 * nativeimage names rest's records; http (the server's own connection limits) stands alone. A plain JUnit
 * class (not ArchUnit's own engine) so that {@code ./mvnw test -Dtest=ArchitectureTest} runs it alone.
 */
class ArchitectureTest {

    private static final String ROOT = "io.s3broker";
    private static final JavaClasses MAIN = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages(ROOT);

    @Test
    void layersPointOneWay() {
        layeredArchitecture().consideringOnlyDependenciesInLayers()
                .layer("Main").definedBy(ROOT)
                .layer("NativeImage").definedBy(ROOT + ".nativeimage..")
                .layer("Health").definedBy(ROOT + ".health..")
                .layer("Startup").definedBy(ROOT + ".startup..")
                .layer("Http").definedBy(ROOT + ".http..")
                .layer("Metrics").definedBy(ROOT + ".metrics..")
                .layer("Logging").definedBy(ROOT + ".logging..")
                .layer("Browser").definedBy(ROOT + ".browser..")
                .layer("Tus").definedBy(ROOT + ".tus..")
                .layer("Rest").definedBy(ROOT + ".rest..")
                .layer("Access").definedBy(ROOT + ".access..")
                .layer("Auth").definedBy(ROOT + ".auth..")
                .layer("Upload").definedBy(ROOT + ".upload..")
                .layer("S3").definedBy(ROOT + ".s3..")
                .layer("Credentials").definedBy(ROOT + ".credentials..")
                .layer("Aws").definedBy(ROOT + ".aws..")
                .layer("Config").definedBy(ROOT + ".config..")
                .whereLayer("Main").mayNotBeAccessedByAnyLayer()
                .whereLayer("NativeImage").mayNotBeAccessedByAnyLayer()
                .whereLayer("Health").mayNotBeAccessedByAnyLayer()
                .whereLayer("Startup").mayNotBeAccessedByAnyLayer()
                // The HTTP layer's order of route handlers (RouteOrder) places the API's own filters too.
                .whereLayer("Http").mayOnlyBeAccessedByLayers("Rest", "Tus")
                .whereLayer("Metrics").mayNotBeAccessedByAnyLayer()
                .whereLayer("Tus").mayNotBeAccessedByAnyLayer()
                .whereLayer("Browser").mayOnlyBeAccessedByLayers("NativeImage")
                .whereLayer("Rest").mayOnlyBeAccessedByLayers("NativeImage", "Browser", "Tus")
                .whereLayer("Access").mayOnlyBeAccessedByLayers("Rest", "Browser", "Upload", "Tus", "Startup")
                .whereLayer("Auth").mayOnlyBeAccessedByLayers("Rest", "Browser", "Access", "Upload", "Tus", "Startup")
                .whereLayer("Upload").mayOnlyBeAccessedByLayers("Rest", "Health", "Metrics", "Tus")
                .whereLayer("S3").mayOnlyBeAccessedByLayers("Rest", "Browser", "Upload", "Health", "Metrics", "Tus")
                .whereLayer("Credentials")
                .mayOnlyBeAccessedByLayers("Rest", "Browser", "Access", "Upload", "S3", "Health", "Metrics", "Tus",
                        "Startup")
                .whereLayer("Aws").mayOnlyBeAccessedByLayers("Upload", "S3", "Credentials")
                .check(MAIN);
        noClasses().that().resideInAPackage(ROOT + ".logging..").should().dependOnClassesThat()
                .resideInAnyPackage(ROOT + ".rest..", ROOT + ".access..", ROOT + ".auth..",
                        ROOT + ".upload..", ROOT + ".s3..", ROOT + ".credentials..", ROOT + ".aws..")
                .check(MAIN);
    }

    /** Said on its own too (the layers above imply it): the lower layers never reach the HTTP layer. */
    @Test
    void nothingBelowRestKnowsRest() {
        noClasses().that().resideInAnyPackage(ROOT + ".s3..", ROOT + ".credentials..", ROOT + ".aws..",
                        ROOT + ".config..", ROOT + ".upload..", ROOT + ".access..", ROOT + ".auth..")
                .should().dependOnClassesThat().resideInAPackage(ROOT + ".rest..")
                .check(MAIN);
    }

    /** Every package on its own, sub-packages included (rest and rest.error, upload and upload.form). */
    @Test
    void noCycleBetweenPackages() {
        slices().matching(ROOT + ".(**)").should().beFreeOfCycles().check(MAIN);
    }

    /** Guards the rules above against passing vacuously, e.g. when the import finds no classes. */
    @Test
    void importsTheBrokersClasses() {
        for (String layer : new String[] {"tus", "browser", "rest", "access", "auth", "upload", "s3", "credentials",
                "aws", "config", "health", "startup", "metrics", "nativeimage", "logging", "http"}) {
            if (MAIN.stream().noneMatch(c -> c.getPackageName().equals(ROOT + "." + layer))) {
                throw new AssertionError("no class imported from " + ROOT + "." + layer);
            }
        }
        if (MAIN.stream().anyMatch(c -> c.getSimpleName().endsWith("Test"))) {
            throw new AssertionError("test classes were imported");
        }
    }
}
