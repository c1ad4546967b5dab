package io.s3broker.tus;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletionException;

import io.restassured.RestAssured;
import io.s3broker.testing.LocalS3Sts;
import io.s3broker.testing.Metrics;
import io.s3broker.testing.RandomBytes;
import io.s3broker.testing.TestAuth;
import software.amazon.awssdk.core.async.AsyncResponseTransformer;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.NoSuchUploadException;
import software.amazon.awssdk.services.s3.model.Part;
import software.amazon.awssdk.services.s3.model.S3Exception;

/** The client side of the tus tests: the protocol's requests, and what S3 holds, seen with the bucket owner's keys. */
final class TusClient {

    static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    private final String bearer;
    private final HttpClient http;

    TusClient(String key) {
        this(key, HTTP);
    }

    TusClient(String key, HttpClient http) {
        this.bearer = "Bearer " + key;
        this.http = http;
    }

    static TusClient ofTestCaller() {
        return new TusClient(TestAuth.KEY);
    }

    static URI uri(String path) {
        return URI.create("http://localhost:" + RestAssured.port + path);
    }

    HttpRequest.Builder request(String path) {
        return HttpRequest.newBuilder(uri(path)).timeout(Duration.ofMinutes(2)).header("Authorization", bearer)
                .header("Tus-Resumable", "1.0.0");
    }

    HttpResponse<String> send(HttpRequest request) {
        try {
            return http.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** POST /files/: answers the upload's path, asserting 201. */
    String create(long length, String metadata) {
        HttpResponse<String> created = send(creation(length, metadata).POST(HttpRequest.BodyPublishers.noBody()).build());
        if (created.statusCode() != 201) {
            throw new AssertionError("creation: " + created.statusCode() + " " + created.body());
        }
        return created.headers().firstValue("Location").orElseThrow();
    }

    HttpRequest.Builder creation(long length, String metadata) {
        HttpRequest.Builder builder = request("/files/").header("Upload-Length", Long.toString(length));
        return metadata == null ? builder : builder.header("Upload-Metadata", metadata);
    }

    HttpResponse<String> head(String path) {
        return send(request(path).method("HEAD", HttpRequest.BodyPublishers.noBody()).build());
    }

    long offset(String path) {
        HttpResponse<String> head = head(path);
        if (head.statusCode() != 200) {
            throw new AssertionError("HEAD " + path + ": " + head.statusCode() + " " + head.headers().map());
        }
        return Long.parseLong(head.headers().firstValue("Upload-Offset").orElseThrow());
    }

    /** PATCH of {@code length} bytes of the stream {@code seed} from {@code from} on, with a Content-Length. */
    HttpResponse<String> patch(String path, long offset, long seed, long from, long length) {
        return send(patchRequest(path, offset).method("PATCH", HttpRequest.BodyPublishers.fromPublisher(
                HttpRequest.BodyPublishers.ofInputStream(() -> slice(seed, from, length)), length)).build());
    }

    /** The same, chunked (no Content-Length). */
    HttpResponse<String> patchChunked(String path, long offset, long seed, long from, long length) {
        return send(patchRequest(path, offset).method("PATCH",
                HttpRequest.BodyPublishers.ofInputStream(() -> slice(seed, from, length))).build());
    }

    HttpRequest.Builder patchRequest(String path, long offset) {
        return request(path).header("Upload-Offset", Long.toString(offset))
                .header("Content-Type", "application/offset+octet-stream");
    }

    HttpResponse<String> delete(String path) {
        return send(request(path).DELETE().build());
    }

    /**
     * A PATCH of {@code declared} bytes whose connection goes after {@code sent}: closed (FIN, every byte sent
     * arrives) or reset ({@code reset}: what is in flight may be lost).
     */
    void patchCutOff(String path, long offset, long seed, long from, long declared, long sent, boolean reset)
            throws IOException {
        try (Socket socket = new Socket("localhost", RestAssured.port)) {
            OutputStream out = socket.getOutputStream();
            out.write(("PATCH " + path + " HTTP/1.1\r\nHost: localhost\r\nAuthorization: " + bearer
                    + "\r\nTus-Resumable: 1.0.0\r\nUpload-Offset: " + offset
                    + "\r\nContent-Type: application/offset+octet-stream\r\nContent-Length: " + declared + "\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            try (InputStream body = slice(seed, from, sent)) {
                body.transferTo(out);
            }
            out.flush();
            if (reset) {
                socket.setSoLinger(true, 0);
            }
        }
    }

    /** A PATCH of {@code declared} bytes that sends {@code sent} of them and holds its connection open. */
    OpenPatch patchOpen(String path, long offset, long seed, long declared, long sent) throws IOException {
        Socket socket = new Socket("localhost", RestAssured.port);
        socket.getOutputStream().write(("PATCH " + path + " HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\nAuthorization: " + bearer
                + "\r\nTus-Resumable: 1.0.0\r\nUpload-Offset: " + offset
                + "\r\nContent-Type: application/offset+octet-stream\r\nContent-Length: " + declared + "\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII));
        OpenPatch patch = new OpenPatch(socket, seed, offset);
        patch.send(sent);
        return patch;
    }

    /** A PATCH in flight on a connection of its own: more bytes, its answer, or the connection closed. */
    static final class OpenPatch implements AutoCloseable {
        private final Socket socket;
        private final long seed;
        private long at;

        OpenPatch(Socket socket, long seed, long at) {
            this.socket = socket;
            this.seed = seed;
            this.at = at;
        }

        void send(long count) throws IOException {
            try (InputStream body = slice(seed, at, count)) {
                body.transferTo(socket.getOutputStream());
            }
            socket.getOutputStream().flush();
            at += count;
        }

        /** The status line and the body of the answer. */
        String answer() throws IOException {
            socket.setSoTimeout(60_000);
            String text = new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            return text.lines().findFirst().orElse("") + "\n" + text.substring(text.indexOf("\r\n\r\n") + 4);
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }

    /** Bytes {@code from} to {@code from + length} of the pseudo-random stream {@code seed}. */
    static InputStream slice(long seed, long from, long length) {
        RandomBytes bytes = new RandomBytes(from + length, seed);
        try {
            bytes.skipNBytes(from);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return bytes;
    }

    // --- S3, as the bucket owner sees it ---

    /** The key of an upload's object: the caller's prefix and the id's last field. */
    static String key(String callerPrefix, String path) {
        String id = path.substring(path.lastIndexOf('/') + 1);
        return callerPrefix + id.split("\\.", 4)[3];
    }

    static String stateKey(String callerPrefix, String path) {
        String key = key(callerPrefix, path);
        return callerPrefix + TusStore.STATE_DIR + key.substring(callerPrefix.length());
    }

    static String storedSha256(String key) {
        return RandomBytes.sha256(LocalS3Sts.admin().getObject(g -> g.bucket(LocalS3Sts.bucket()).key(key),
                AsyncResponseTransformer.toBlockingInputStream()).join());
    }

    static Optional<HeadObjectResponse> headObject(String key) {
        try {
            return Optional.of(LocalS3Sts.admin().headObject(h -> h.bucket(LocalS3Sts.bucket()).key(key)).join());
        } catch (CompletionException e) {
            if (e.getCause() instanceof NoSuchKeyException || e.getCause() instanceof S3Exception s3 && s3.statusCode() == 404) {
                return Optional.empty();
            }
            throw e;
        }
    }

    /** The multipart uploads open under {@code prefix}: key to uploadId. */
    static List<String> openUploads(String prefix) {
        List<String> keys = new ArrayList<>();
        LocalS3Sts.admin().listMultipartUploads(l -> l.bucket(LocalS3Sts.bucket()).prefix(prefix)).join().uploads()
                .forEach(upload -> keys.add(upload.key()));
        return keys;
    }

    /** The parts S3 holds of an upload, or empty when S3 knows no such upload. */
    static Optional<List<Part>> parts(String key, String uploadId) {
        try {
            return Optional.of(LocalS3Sts.admin().listParts(l -> l.bucket(LocalS3Sts.bucket()).key(key).uploadId(uploadId))
                    .join().parts());
        } catch (CompletionException e) {
            if (e.getCause() instanceof NoSuchUploadException || e.getCause() instanceof S3Exception s3 && s3.statusCode() == 404) {
                return Optional.empty();
            }
            throw e;
        }
    }

    static String uploadId(String path) {
        String id = path.substring(path.lastIndexOf('/') + 1);
        return new String(java.util.Base64.getUrlDecoder().decode(id.split("\\.", 4)[0]), StandardCharsets.UTF_8);
    }

    /** S3 calls the broker made so far, all operations. */
    static long s3Calls() {
        return Metrics.lines("broker_s3_requests_seconds_count").stream()
                .mapToLong(line -> (long) Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1))).sum();
    }

    static Map<String, List<String>> headers(HttpResponse<?> response) {
        return response.headers().map();
    }
}
