package io.s3broker.upload;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;

import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.Test;

import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.s3broker.testing.LocalS3StsResource;
import io.s3broker.testing.RandomBytes;

@QuarkusTest
@TestProfile(UploadProfile.class)
@WithTestResource(LocalS3StsResource.class)
class UploadUnderLoadTest {

    static final long MIB = 1 << 20;

    @TestHTTPResource("/")
    URI base;

    @Test
    void sixteenUploadsAtOnceAllArriveIntact() throws Exception {
        Uploads uploads = new Uploads(base);
        List<String> keys = new ArrayList<>();
        List<CompletableFuture<HttpResponse<String>>> calls = new ArrayList<>();
        for (int i = 0; i < 16; i++) {
            String key = "load/" + i + "-" + UUID.randomUUID();
            keys.add(key);
            long size = (6 + i) * MIB + i;
            calls.add(switch (i % 3) {
                case 0 -> uploads.put(key, size, i, false);
                case 1 -> uploads.put(key, size, i, true);
                default -> uploads.postForm(key, size, i);
            });
        }
        for (int i = 0; i < 16; i++) {
            HttpResponse<String> response = calls.get(i).get();
            assertEquals(201, response.statusCode(), response.body());
            assertEquals(RandomBytes.sha256((6 + i) * MIB + i, i), Uploads.storedSha256(keys.get(i)), keys.get(i));
            Uploads.delete(keys.get(i));
        }
    }

    /**
     * The broker runs in this JVM, so the process's write_bytes counts what it writes to a block device (not to a
     * tmpfs: there it stays 0 whatever happens). A 100 MiB upload through each way in must not write a noticeable
     * share of that. Quarkus' body handler is what would write an upload to disk: UploadProfile points it at a
     * folder of its own and keeps its files, so any file there is an upload that went through it.
     */
    @Test
    void writesNothingOfTheUploadToDisk() throws Exception {
        Uploads uploads = new Uploads(base);
        long before = writeBytes();
        String put = "disk/put-" + UUID.randomUUID();
        String chunked = "disk/chunked-" + UUID.randomUUID();
        String form = "disk/form-" + UUID.randomUUID();
        assertEquals(201, uploads.put(put, 100 * MIB, 1, false).get().statusCode());
        assertEquals(201, uploads.put(chunked, 100 * MIB, 2, true).get().statusCode());
        assertEquals(201, uploads.postForm(form, 100 * MIB, 3).get().statusCode());
        long written = writeBytes() - before;

        Path uploadsDirectory = Path.of(ConfigProvider.getConfig()
                .getValue("quarkus.http.body.uploads-directory", String.class));
        assertEquals(Path.of(UploadProfile.TEMP_FOLDER), uploadsDirectory, "the folder this test watches");
        if (Files.exists(uploadsDirectory)) {
            try (Stream<Path> files = Files.walk(uploadsDirectory)) {
                assertEquals(List.of(), files.filter(Files::isRegularFile).toList(),
                        "files in the upload temp folder " + uploadsDirectory.toAbsolutePath());
            }
        }
        assertTrue(written < MIB, "bytes written to disk during 300 MiB of uploads: " + written);
        Uploads.delete(put);
        Uploads.delete(chunked);
        Uploads.delete(form);
    }

    static long writeBytes() throws Exception {
        for (String line : Files.readAllLines(Path.of("/proc/self/io"))) {
            if (line.startsWith("write_bytes:")) {
                return Long.parseLong(line.substring("write_bytes:".length()).trim());
            }
        }
        throw new IllegalStateException("/proc/self/io has no write_bytes");
    }
}
