package io.s3broker.upload;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.s3broker.access.AccessPolicy;
import io.s3broker.auth.Caller;
import io.s3broker.credentials.Access;
import io.s3broker.credentials.CredentialsCache;
import io.s3broker.testing.LocalS3Sts;
import io.s3broker.testing.LocalS3StsResource;
import io.s3broker.testing.RandomBytes;
import io.s3broker.testing.TestAuth;

/**
 * A long upload whose credentials are refreshed while it runs: its parts go out signed with different temporary
 * credentials of the role (new AssumeRole answers from RGW), and the object must still be whole.
 */
@QuarkusTest
@TestProfile(UploadProfile.class)
@WithTestResource(LocalS3StsResource.class)
class CredentialsRefreshDuringUploadTest {

    static final long MIB = 1 << 20;

    @TestHTTPResource("/")
    URI base;

    @Inject
    AccessPolicy access;

    @Test
    void aChunkedUploadSurvivesCredentialRefreshes() throws Exception {
        CredentialsCache credentials = access.authorize(new Caller(TestAuth.CALLER), Access.WRITE, "test",
                LocalS3Sts.bucket(), "refresh/any").cache();
        String key = "refresh/chunked-" + UUID.randomUUID();
        long size = 40 * MIB + 123; // five full parts and a short one
        long seed = 11;
        Set<String> accessKeys = ConcurrentHashMap.newKeySet();
        accessKeys.add(credentials.get().get().credentials().accessKeyId());
        ScheduledExecutorService refresher = Executors.newSingleThreadScheduledExecutor();
        refresher.scheduleWithFixedDelay(() -> {
            credentials.refreshInBackground();
            credentials.peek().ifPresent(current -> accessKeys.add(current.credentials().accessKeyId()));
        }, 200, 200, TimeUnit.MILLISECONDS);
        HttpResponse<String> response;
        try {
            // About 4 s: 1 MiB every 100 ms.
            HttpRequest.BodyPublisher body = HttpRequest.BodyPublishers.ofInputStream(
                    () -> new Trickle(new RandomBytes(size, seed), MIB, Duration.ofMillis(100)));
            response = Uploads.HTTP.sendAsync(HttpRequest.newBuilder(new Uploads(base).itemUri(Uploads.destination(key)))
                    .header("Authorization", TestAuth.BEARER)
                    .timeout(Duration.ofMinutes(2))
                    .PUT(body).build(), HttpResponse.BodyHandlers.ofString()).get();
        } finally {
            refresher.shutdownNow();
        }
        assertEquals(201, response.statusCode(), response.body());
        assertTrue(accessKeys.size() >= 4, "the credentials changed only " + (accessKeys.size() - 1)
                + " times during the upload");
        assertEquals(RandomBytes.sha256(size, seed), Uploads.storedSha256(key));
        assertEquals(0, Uploads.openMultipartUploads(key));
        Uploads.delete(key);
    }

    /** Lets {@code step} bytes through, then waits {@code pause}: a slow client. */
    private static final class Trickle extends FilterInputStream {
        private final long step;
        private final Duration pause;
        private long sinceLastPause;

        Trickle(InputStream in, long step, Duration pause) {
            super(in);
            this.step = step;
            this.pause = pause;
        }

        @Override
        public int read(byte[] buffer, int offset, int length) throws IOException {
            if (sinceLastPause >= step) {
                sinceLastPause = 0;
                try {
                    Thread.sleep(pause.toMillis());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IOException(e);
                }
            }
            int n = super.read(buffer, offset, (int) Math.min(length, step - sinceLastPause));
            if (n > 0) {
                sinceLastPause += n;
            }
            return n;
        }
    }
}
