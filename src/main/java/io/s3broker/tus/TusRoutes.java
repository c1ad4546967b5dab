package io.s3broker.tus;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import org.eclipse.microprofile.config.inject.ConfigProperty;

import io.s3broker.auth.Caller;
import io.s3broker.http.RouteOrder;
import io.s3broker.rest.CallerFilter;
import io.s3broker.rest.RouteResponses;
import io.s3broker.rest.UploadRoutes;
import io.s3broker.rest.error.ApiErrors;
import io.s3broker.rest.error.BrokerException;
import io.s3broker.rest.error.ErrorCode;
import io.s3broker.tus.TusStore.Upload;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

/**
 * The tus 1.0.0 protocol under {@code /files/} (tus.io/protocols/resumable-upload, with the extensions creation,
 * creation-with-upload, termination and expiration), behind the broker's authentication and allow-lists: a thin
 * handler that checks the protocol's headers and hands each request to the store ({@link TusStore},
 * {@link TusPatch}), as tusd's handler does. Vert.x routes, so that PATCH bodies stream
 * (docs/decisions/0004-uploads-as-vertx-routes.md). Off while {@code broker.tus.bucket} is unset: no route, 404.
 */
@ApplicationScoped
public class TusRoutes {

    static final String VERSION = "1.0.0";
    static final String EXTENSIONS = "creation,creation-with-upload,termination,expiration";
    static final String OFFSET_STREAM = "application/offset+octet-stream";
    /** What a page of another origin must be let read of the answers (when CORS is on). */
    static final String EXPOSED = "Location,Upload-Offset,Upload-Length,Upload-Metadata,Upload-Expires,"
            + "Tus-Resumable,Tus-Version,Tus-Extension,Tus-Max-Size";
    private static final DateTimeFormatter HTTP_DATE = DateTimeFormatter
            .ofPattern("EEE, dd MMM yyyy HH:mm:ss 'GMT'", Locale.ENGLISH).withZone(ZoneOffset.UTC);
    private static final int MAX_DIGITS = 18;

    private final TusStore store;
    private final TusPatch patches;
    private final RouteResponses responses;
    private final boolean cors;

    public TusRoutes(TusStore store, TusPatch patches, RouteResponses responses,
            @ConfigProperty(name = "quarkus.http.cors.enabled", defaultValue = "false") boolean cors) {
        this.store = store;
        this.patches = patches;
        this.responses = responses;
        this.cors = cors;
    }

    void register(@Observes Router router) {
        if (!store.enabled()) {
            return;
        }
        // Ahead of Quarkus' body handling, as the other upload routes: PATCH bodies stream.
        int order = RouteOrder.STREAMING_UPLOADS.order();
        for (String path : new String[] {"/files", "/files/"}) {
            router.options(path).order(order).handler(this::options);
            router.post(path).order(order).handler(CallerFilter.withCaller(this::create));
        }
        router.options("/files/:id").order(order).handler(this::options);
        router.head("/files/:id").order(order).handler(CallerFilter.withCaller(this::head));
        router.patch("/files/:id").order(order).handler(CallerFilter.withCaller(this::patch));
        router.delete("/files/:id").order(order).handler(CallerFilter.withCaller(this::terminate));
    }

    void options(RoutingContext ctx) {
        Map<String, String> headers = new HashMap<>(Map.of("Tus-Version", VERSION, "Tus-Extension", EXTENSIONS,
                "Tus-Max-Size", Long.toString(store.maxLength())));
        answer(ctx, 204, headers);
    }

    void create(RoutingContext ctx, Caller caller) {
        Context context = Vertx.currentContext();
        HttpServerRequest request = ctx.request();
        request.pause();
        long length;
        long bodyLength;
        boolean withBody;
        UploadMetadata metadata;
        try {
            resumable(request);
            if (request.getHeader("Upload-Defer-Length") != null) {
                throw new BrokerException(ErrorCode.INVALID_REQUEST,
                        "Upload-Defer-Length is not supported: send Upload-Length (creation-defer-length is not offered)");
            }
            length = number(request, "Upload-Length");
            metadata = UploadMetadata.parse(request.getHeader("Upload-Metadata"));
            bodyLength = UploadRoutes.declaredLength(request);
            withBody = isOffsetStream(request);
            if (!withBody && bodyLength != 0 && (bodyLength > 0 || request.getHeader(HttpHeaders.TRANSFER_ENCODING) != null)) {
                throw unsupportedType();
            }
        } catch (RuntimeException e) {
            fail(ctx, e);
            return;
        }
        Uni<Upload> created = Uni.createFrom().deferred(() -> store.create(caller, length, metadata));
        created.flatMap(upload -> (withBody
                ? patches.patch(upload, 0, bodyLength, UploadRoutes.body(request, ctx), context)
                : Uni.createFrom().item(0L)).map(offset -> Map.entry(upload, offset)))
                .emitOn(command -> context.runOnContext(ignored -> command.run()))
                .subscribe().with(done -> {
                    Map<String, String> headers = new HashMap<>();
                    headers.put(HttpHeaders.LOCATION.toString(), "/files/" + done.getKey().id().text());
                    expires(headers, done.getKey());
                    if (withBody) {
                        headers.put("Upload-Offset", Long.toString(done.getValue()));
                    }
                    answer(ctx, 201, headers);
                }, error -> fail(ctx, error));
    }

    void head(RoutingContext ctx, Caller caller) {
        withUpload(ctx, caller, false, upload -> store.status(upload).emitOn(onLoop()).subscribe().with(status -> {
            Map<String, String> headers = new HashMap<>(Map.of("Upload-Offset", Long.toString(status.offset()),
                    "Upload-Length", Long.toString(status.length())));
            status.metadata().ifPresent(value -> headers.put("Upload-Metadata", value));
            if (!status.finished()) {
                expires(headers, upload);
            }
            answer(ctx, 200, headers);
        }, error -> fail(ctx, error)));
    }

    void patch(RoutingContext ctx, Caller caller) {
        Context context = Vertx.currentContext();
        withUpload(ctx, caller, true, upload -> {
            long offset;
            try {
                offset = number(ctx.request(), "Upload-Offset");
            } catch (RuntimeException e) {
                fail(ctx, e);
                return;
            }
            patches.patch(upload, offset, UploadRoutes.declaredLength(ctx.request()),
                    UploadRoutes.body(ctx.request(), ctx), context)
                    .emitOn(onLoop())
                    .subscribe().with(stored -> {
                        Map<String, String> headers = new HashMap<>(Map.of("Upload-Offset", Long.toString(stored)));
                        expires(headers, upload);
                        answer(ctx, 204, headers);
                    }, error -> fail(ctx, error));
        });
    }

    void terminate(RoutingContext ctx, Caller caller) {
        withUpload(ctx, caller, false, upload -> store.terminate(upload).emitOn(onLoop()).subscribe()
                .with(ignored -> answer(ctx, 204, new HashMap<>()), error -> fail(ctx, error)));
    }

    /**
     * The protocol's checks, then the caller's upload of the URL (404 before any S3 call for an id of another caller);
     * an expired one is removed and answered 410.
     */
    private void withUpload(RoutingContext ctx, Caller caller, boolean offsetStream, Consumer<Upload> then) {
        ctx.request().pause();
        Upload upload;
        try {
            resumable(ctx.request());
            if (offsetStream && !isOffsetStream(ctx.request())) {
                throw unsupportedType();
            }
            upload = store.find(caller, ctx.pathParam("id"));
        } catch (RuntimeException e) {
            fail(ctx, e);
            return;
        }
        if (store.expired(upload)) {
            BrokerException gone = new BrokerException(ErrorCode.GONE, "The upload expired at "
                    + HTTP_DATE.format(upload.expires()) + " and was removed; start a new one");
            store.remove(upload).emitOn(onLoop()).subscribe().with(ignored -> fail(ctx, gone), error -> fail(ctx, gone));
            return;
        }
        then.accept(upload);
    }

    private static java.util.concurrent.Executor onLoop() {
        Context context = Vertx.currentContext();
        return command -> context.runOnContext(ignored -> command.run());
    }

    private static void resumable(HttpServerRequest request) {
        if (!VERSION.equals(request.getHeader("Tus-Resumable"))) {
            throw new BrokerException(ErrorCode.PRECONDITION_FAILED, "Tus-Resumable must be " + VERSION
                    + " (the protocol version this server speaks)");
        }
    }

    private static boolean isOffsetStream(HttpServerRequest request) {
        String type = request.getHeader(HttpHeaders.CONTENT_TYPE);
        return type != null && type.split(";", 2)[0].trim().equalsIgnoreCase(OFFSET_STREAM);
    }

    private static BrokerException unsupportedType() {
        return new BrokerException(ErrorCode.UNSUPPORTED_MEDIA_TYPE, "The bytes of an upload are sent as "
                + OFFSET_STREAM);
    }

    /** A header that must be a non-negative whole number. */
    private static long number(HttpServerRequest request, String name) {
        String value = request.getHeader(name);
        if (value == null || value.isEmpty() || value.length() > MAX_DIGITS || !value.chars().allMatch(Character::isDigit)) {
            throw new BrokerException(ErrorCode.INVALID_REQUEST, name + " must be given, as a non-negative whole number");
        }
        return Long.parseLong(value);
    }

    private static void expires(Map<String, String> headers, Upload upload) {
        headers.put("Upload-Expires", HTTP_DATE.format(upload.expires()));
    }

    /** On the request's loop, like every answer: the protocol's headers, no body. */
    private void answer(RoutingContext ctx, int status, Map<String, String> headers) {
        HttpServerResponse response = ctx.response();
        if (response.ended() || response.closed() || response.headWritten()) {
            return;
        }
        protocolHeaders(ctx, headers);
        headers.forEach(response::putHeader);
        response.putHeader(HttpHeaders.CACHE_CONTROL, "no-store").setStatusCode(status).end();
    }

    /** The error's JSON (none for HEAD, which has no body), with the protocol's headers. */
    private void fail(RoutingContext ctx, Throwable failure) {
        ApiErrors.ApiError error = ApiErrors.of(failure);
        Map<String, String> headers = new HashMap<>(error.headers());
        if (error.code() == ErrorCode.PRECONDITION_FAILED) {
            headers.put("Tus-Version", VERSION);
        }
        if (ctx.request().method() == HttpMethod.HEAD) {
            answer(ctx, error.status(), headers);
            return;
        }
        protocolHeaders(ctx, headers);
        responses.json(ctx, error.status(), error.body(), headers);
    }

    private void protocolHeaders(RoutingContext ctx, Map<String, String> headers) {
        headers.put("Tus-Resumable", VERSION);
        if (cors && ctx.request().getHeader(HttpHeaders.ORIGIN) != null) {
            // Beside what quarkus.http.cors.exposed-headers already exposes.
            String configured = ctx.response().headers().get(HttpHeaders.ACCESS_CONTROL_EXPOSE_HEADERS);
            headers.put(HttpHeaders.ACCESS_CONTROL_EXPOSE_HEADERS.toString(),
                    configured == null || configured.isBlank() ? EXPOSED : configured + "," + EXPOSED);
        }
    }
}
