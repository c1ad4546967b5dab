package io.s3broker.upload;

import static io.restassured.RestAssured.given;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.SequenceInputStream;
import java.net.Socket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.s3broker.testing.LocalS3Sts;
import io.s3broker.testing.Management;
import io.s3broker.testing.RandomBytes;
import io.s3broker.testing.TestAuth;
import software.amazon.awssdk.core.async.AsyncResponseTransformer;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;

/** Client side of the upload tests: sends bodies made on the fly, and checks S3 with the bucket owner's keys. */
final class Uploads {

    static final String BOUNDARY = "broker-test-boundary-7d1f";
    static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    private final URI base;

    Uploads(URI base) {
        this.base = base;
    }

    URI itemUri(String query) {
        return base.resolve("/item" + (query.isEmpty() ? "" : "?" + query));
    }

    static String destination(String key) {
        return "bucket=" + LocalS3Sts.bucket() + "&key=" + URLEncoder.encode(key, StandardCharsets.UTF_8);
    }

    /** PUT with Content-Length ({@code chunked == false}) or chunked transfer encoding. */
    CompletableFuture<HttpResponse<String>> put(String key, long length, long seed, boolean chunked) {
        HttpRequest.BodyPublisher body;
        if (chunked) {
            body = HttpRequest.BodyPublishers.ofInputStream(() -> new RandomBytes(length, seed));
        } else if (length == 0) {
            body = HttpRequest.BodyPublishers.noBody();
        } else {
            body = HttpRequest.BodyPublishers.fromPublisher(
                    HttpRequest.BodyPublishers.ofInputStream(() -> new RandomBytes(length, seed)), length);
        }
        return HTTP.sendAsync(HttpRequest.newBuilder(itemUri(destination(key)))
                .header("Authorization", TestAuth.BEARER)
                .header("Content-Type", "application/x-test")
                .timeout(Duration.ofMinutes(2))
                .PUT(body).build(), HttpResponse.BodyHandlers.ofString());
    }

    /**
     * POST of a multipart form with a Content-Length: {@code before} fields, the file part, then {@code after}
     * fields.
     */
    CompletableFuture<HttpResponse<String>> post(String query, List<String[]> before, String partName, long length,
            long seed, List<String[]> after) {
        return post(query, before, partName, length, seed, after, "\r\n", false);
    }

    /**
     * POST of a multipart form, {@code chunked} or with a Content-Length, whose closing boundary is followed by
     * {@code epilogue}.
     */
    CompletableFuture<HttpResponse<String>> post(String query, List<String[]> before, String partName, long length,
            long seed, List<String[]> after, String epilogue, boolean chunked) {
        byte[] head = (fields(before) + "--" + BOUNDARY + "\r\nContent-Disposition: form-data; name=\"" + partName
                + "\"; filename=\"object.bin\"\r\nContent-Type: application/x-test\r\n\r\n").getBytes(StandardCharsets.UTF_8);
        byte[] tail = ("\r\n" + fields(after) + "--" + BOUNDARY + "--" + epilogue).getBytes(StandardCharsets.UTF_8);
        HttpRequest.BodyPublisher stream = HttpRequest.BodyPublishers.ofInputStream(() -> new SequenceInputStream(
                Collections.enumeration(List.<InputStream>of(new ByteArrayInputStream(head), new RandomBytes(length, seed),
                        new ByteArrayInputStream(tail)))));
        return postRaw(query, chunked ? stream
                : HttpRequest.BodyPublishers.fromPublisher(stream, head.length + length + tail.length));
    }

    CompletableFuture<HttpResponse<String>> postForm(String key, long length, long seed) {
        return postForm(key, length, seed, false);
    }

    CompletableFuture<HttpResponse<String>> postForm(String key, long length, long seed, boolean chunked) {
        return post("", List.<String[]>of(new String[] { "bucket", LocalS3Sts.bucket() }, new String[] { "key", key }), "files",
                length, seed, List.of(), "\r\n", chunked);
    }

    CompletableFuture<HttpResponse<String>> postRaw(String query, HttpRequest.BodyPublisher body) {
        return HTTP.sendAsync(HttpRequest.newBuilder(itemUri(query))
                .header("Authorization", TestAuth.BEARER)
                .header("Content-Type", "multipart/form-data; boundary=" + BOUNDARY)
                .timeout(Duration.ofMinutes(2))
                .POST(body).build(), HttpResponse.BodyHandlers.ofString());
    }

    static String fields(List<String[]> fields) {
        StringBuilder text = new StringBuilder();
        for (String[] field : fields) {
            text.append("--").append(BOUNDARY).append("\r\nContent-Disposition: form-data; name=\"").append(field[0])
                    .append("\"\r\n\r\n").append(field[1]).append("\r\n");
        }
        return text.toString();
    }

    /** Sends the head and {@code sent} bytes of a body, then drops the connection like a client that died. */
    void sendAndDisconnect(String requestHead, long sent) throws Exception {
        try (Socket socket = new Socket(base.getHost(), base.getPort())) {
            OutputStream out = socket.getOutputStream();
            out.write(requestHead.getBytes(StandardCharsets.US_ASCII));
            byte[] chunk = new byte[1 << 16];
            new RandomBytes(chunk.length, 1).read(chunk, 0, chunk.length);
            boolean chunked = requestHead.contains("Transfer-Encoding: chunked");
            for (long done = 0; done < sent; done += chunk.length) {
                if (chunked) {
                    out.write((Integer.toHexString(chunk.length) + "\r\n").getBytes(StandardCharsets.US_ASCII));
                }
                out.write(chunk);
                if (chunked) {
                    out.write("\r\n".getBytes(StandardCharsets.US_ASCII));
                }
            }
            out.flush();
            // Give the broker time to start the upload (and its first parts) before the connection drops.
            Thread.sleep(1500);
            socket.setSoLinger(true, 0);
        }
    }

    static String storedSha256(String key) {
        return RandomBytes.sha256(LocalS3Sts.admin()
                .getObject(g -> g.bucket(LocalS3Sts.bucket()).key(key), AsyncResponseTransformer.toBlockingInputStream())
                .join());
    }

    static boolean exists(String key) {
        try {
            LocalS3Sts.admin().headObject(h -> h.bucket(LocalS3Sts.bucket()).key(key)).join();
            return true;
        } catch (java.util.concurrent.CompletionException e) {
            if (e.getCause() instanceof NoSuchKeyException
                    || e.getCause() instanceof software.amazon.awssdk.services.s3.model.S3Exception s3 && s3.statusCode() == 404) {
                return false;
            }
            throw e;
        }
    }

    static int openMultipartUploads(String key) {
        return LocalS3Sts.admin().listMultipartUploads(l -> l.bucket(LocalS3Sts.bucket()).prefix(key)).join()
                .uploads().size();
    }

    static void delete(String key) {
        LocalS3Sts.admin().deleteObject(d -> d.bucket(LocalS3Sts.bucket()).key(key)).join();
    }

    /** The value of one Prometheus sample of the broker, {@code name{labels}}; 0 if it has none yet. */
    static double sample(String name, String labels) {
        String metrics = Management.given().get("/q/metrics").then().statusCode(200).extract().asString();
        Matcher value = Pattern.compile("(?m)^" + Pattern.quote(name + "{" + labels + "}") + " ([0-9.eE+-]+)$").matcher(metrics);
        return value.find() ? Double.parseDouble(value.group(1)) : 0;
    }

    /** How many calls of an S3 operation the broker made successfully, from its metrics. */
    static long metric(String operation) {
        String metrics = Management.given().get("/q/metrics").then().statusCode(200).extract().asString();
        Matcher count = Pattern.compile("broker_s3_requests_seconds_count\\{operation=\"" + operation
                + "\",outcome=\"success\"} ([0-9.]+)").matcher(metrics);
        return count.find() ? (long) Double.parseDouble(count.group(1)) : 0;
    }
}
