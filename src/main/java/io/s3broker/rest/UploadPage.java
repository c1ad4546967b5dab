package io.s3broker.rest;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Map;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import io.s3broker.config.BrokerConfig;
import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

/**
 * The page {@code /upload}: Uppy's Dashboard uploading straight to S3, each S3 request signed by
 * {@code POST /s3/sign}, served from memory, read from the classpath folder {@code upload-page} with the Uppy
 * bundle vendored there (upload-page/vendor/README.md says why). Only while {@code broker.companion.bucket} is set; otherwise there
 * is no such route (404).
 */
@ApplicationScoped
public class UploadPage {

    static final String ROOT = "upload-page";
    /**
     * Scripts from the broker only (no CDN, no inline script: the page holds an API key); Uppy sets inline styles;
     * the parts go to S3, whose host the page cannot know, hence any http(s) for connect-src.
     */
    static final String CONTENT_SECURITY_POLICY = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline';"
            + " img-src 'self' data: blob:; connect-src 'self' https: http:; frame-ancestors 'none'; base-uri 'none';"
            + " form-action 'none'";

    /** The page's files and their types; read once at start-up (about 360 KB, only while the page is on). */
    static final Map<String, String> FILES = Map.of(
            "index.html", "text/html; charset=utf-8",
            "upload.js", "text/javascript; charset=utf-8",
            "vendor/uppy.min.mjs", "text/javascript; charset=utf-8",
            "vendor/uppy.min.css", "text/css; charset=utf-8",
            "vendor/LICENSES.txt", "text/plain; charset=utf-8",
            "vendor/README.md", "text/plain; charset=utf-8");

    void register(@Observes Router router, BrokerConfig config) {
        if (config.companion().bucket().isEmpty()) {
            return;
        }
        // Vert.x matches "/upload/" to the route "/upload" as well: only the bare path is redirected.
        router.route(HttpMethod.GET, "/upload").handler(ctx -> {
            if (ctx.request().path().equals("/upload")) {
                ctx.response().setStatusCode(301).putHeader(HttpHeaders.LOCATION, "upload/").end();
            } else {
                ctx.next();
            }
        });
        FILES.forEach((name, type) -> {
            Buffer body = Buffer.buffer(read(name));
            Handler<RoutingContext> serve = ctx -> ctx.response()
                    .putHeader(HttpHeaders.CONTENT_TYPE, type)
                    .putHeader(HttpHeaders.CACHE_CONTROL, "no-cache")
                    .putHeader("Content-Security-Policy", CONTENT_SECURITY_POLICY)
                    .putHeader("X-Content-Type-Options", "nosniff")
                    .putHeader("Referrer-Policy", "no-referrer")
                    .end(body);
            router.route(HttpMethod.GET, "/upload/" + name).handler(serve);
            if (name.equals("index.html")) {
                router.route(HttpMethod.GET, "/upload/").handler(serve);
            }
        });
    }

    private static byte[] read(String name) {
        try (InputStream in = UploadPage.class.getClassLoader().getResourceAsStream(ROOT + "/" + name)) {
            if (in == null) {
                throw new IllegalStateException("The upload page's " + name + " is missing from the classpath");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
