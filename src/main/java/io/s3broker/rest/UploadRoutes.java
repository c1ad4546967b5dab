package io.s3broker.rest;

import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import org.jboss.logging.Logger;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.quarkus.vertx.http.runtime.RouteConstants;
import io.s3broker.config.BrokerConfig;
import io.s3broker.credentials.CredentialsUnavailableException;
import io.s3broker.rest.error.BrokerException;
import io.s3broker.rest.error.ErrorCode;
import io.s3broker.rest.error.ErrorResponse;
import io.s3broker.s3.BodyLength;
import io.s3broker.s3.ObjectLocation;
import io.s3broker.s3.UploadResult;
import io.s3broker.s3.UploadService;
import io.s3broker.s3.UploadTarget;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.vertx.MultiHelper;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.streams.ReadStream;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

/**
 * Streaming uploads: {@code PUT /item} takes the object as the raw body, {@code POST /item} as the file part of a
 * multipart form. These are Vert.x routes, not JAX-RS methods, because JAX-RS reads a body before the method
 * runs (Quarkus REST writes multipart files to disk): here the request stream goes straight into S3, paused
 * whenever S3 is slower than the client.
 */
@ApplicationScoped
public class UploadRoutes {

    private static final Logger LOG = Logger.getLogger(UploadRoutes.class);
    static final Set<String> FIELDS = Set.of("bucket", "key", "region");
    static final Set<String> FILE_PARTS = Set.of("files", "file");
    private static final String OCTET_STREAM = "application/octet-stream";
    private static final String CONTINUED = "broker.continued";
    private static final String REQUEST_CONTEXT = "broker.request-context";
    /** How long a refused upload's connection keeps draining its body before it is closed. */
    private static final long LINGER_MILLIS = 2_000;

    private final RequestValidator validate;
    private final UploadService uploads;
    private final ObjectMapper json;
    private final Optional<String> acl;

    public UploadRoutes(RequestValidator validate, UploadService uploads, ObjectMapper json, BrokerConfig config) {
        this.validate = validate;
        this.uploads = uploads;
        this.json = json;
        this.acl = config.upload().acl();
    }

    void register(@Observes Router router) {
        // Ahead of Quarkus' body-size limit (ROUTE_ORDER_UPLOAD_LIMIT), which would cap uploads at
        // quarkus.http.limits.max-body-size: these routes apply broker.upload.max-size as they stream.
        router.put("/item").order(RouteConstants.ROUTE_ORDER_UPLOAD_LIMIT - 1).handler(this::put);
        router.post("/item").order(RouteConstants.ROUTE_ORDER_UPLOAD_LIMIT - 1).handler(this::post);
    }

    void put(RoutingContext ctx) {
        Context context = bindRequestContext(ctx);
        HttpServerRequest request = ctx.request();
        request.pause();
        UploadTarget target;
        long length;
        try {
            ObjectLocation location = validate.location(query(ctx, "bucket"), query(ctx, "key"), query(ctx, "region"));
            length = declaredLength(request);
            target = new UploadTarget(location, contentType(request.getHeader(HttpHeaders.CONTENT_TYPE)), acl);
        } catch (BrokerException e) {
            respondError(ctx, e);
            return;
        }
        uploads.upload(target, BodyLength.declared(length), body(request, ctx), context,
                        CompletableFuture.completedFuture(null))
                .subscribe().with(done -> created(ctx, done), error -> respondError(ctx, error));
    }

    void post(RoutingContext ctx) {
        Context context = bindRequestContext(ctx);
        HttpServerRequest request = ctx.request();
        request.pause();
        String type = request.getHeader(HttpHeaders.CONTENT_TYPE);
        if (type == null || !type.toLowerCase(Locale.ROOT).startsWith("multipart/form-data")) {
            respondError(ctx, new BrokerException(ErrorCode.UNSUPPORTED_MEDIA_TYPE,
                    "POST /item takes multipart/form-data; send the raw object with PUT /item"));
            return;
        }
        Form form = new Form(ctx, context);
        try {
            new StreamingFormDecoder(request, declaredLength(request), form);
        } catch (BrokerException e) {
            respondError(ctx, e);
            return;
        } catch (RuntimeException e) {
            respondError(ctx, new BrokerException(ErrorCode.INVALID_REQUEST, "Malformed multipart form: " + e.getMessage()));
            return;
        }
        continueIfExpected(ctx);
        request.resume();
    }

    /** One multipart form as it streams by: its fields, then exactly one file part, the last. */
    private final class Form implements StreamingFormDecoder.Listener {
        private final RoutingContext ctx;
        private final Context context;
        private CompletableFuture<Void> commitGate;

        Form(RoutingContext ctx, Context context) {
            this.ctx = ctx;
            this.context = context;
        }

        @Override
        public void fileStarted(String partName, String contentType, Map<String, String> fields, FilePart part) {
            commitGate = new CompletableFuture<>();
            try {
                ObjectLocation location = destination(partName, fields);
                UploadTarget target = new UploadTarget(location, contentType(contentType), acl);
                Multi<Buffer> file = part.stream().onRequest().invoke(ignored -> continueIfExpected(ctx));
                uploads.upload(target, BodyLength.atLeast(part.leastSize()), file, context, commitGate)
                        .subscribe().with(done -> created(ctx, done), error -> respondError(ctx, error));
            } catch (BrokerException e) {
                commitGate.completeExceptionally(e);
                respondError(ctx, e);
            }
        }

        @Override
        public void ended(Map<String, String> fields) {
            if (commitGate == null) {
                respondError(ctx, new BrokerException(ErrorCode.MISSING_PARAMETER,
                        "Missing the file part: send the object as a form part named 'files' or 'file'"));
                return;
            }
            commitGate.complete(null);
        }

        @Override
        public void partAfterFile(String partName, boolean isFile) {
            reject(new BrokerException(ErrorCode.INVALID_REQUEST, isFile ? "The form must have exactly one file part"
                    : "Form fields must come before the file part (or be given as query parameters), because the file"
                            + " is streamed as it arrives: [" + partName + "] came after it"));
        }

        @Override
        public void failed(Throwable error) {
            BrokerException invalid = new BrokerException(ErrorCode.INVALID_REQUEST,
                    "Malformed multipart form or broken connection: " + error.getMessage(), error);
            if (commitGate != null) {
                // The upload aborts through its own stream and answers once nothing is left in S3.
                commitGate.completeExceptionally(invalid);
            } else {
                respondError(ctx, invalid);
            }
        }

        private void reject(BrokerException e) {
            if (commitGate != null && !commitGate.isDone()) {
                // The upload aborts and answers with this error once nothing is left in S3.
                commitGate.completeExceptionally(e);
            } else {
                respondError(ctx, e);
            }
        }

        private ObjectLocation destination(String partName, Map<String, String> fields) {
            if (!FILE_PARTS.contains(partName)) {
                throw new BrokerException(ErrorCode.INVALID_REQUEST,
                        "Unexpected file part '" + partName + "': the file part must be named 'files' or 'file'");
            }
            for (String name : fields.keySet()) {
                if (!FIELDS.contains(name)) {
                    throw new BrokerException(ErrorCode.INVALID_REQUEST,
                            "Unexpected form field '" + name + "': the fields are bucket, key and region");
                }
            }
            return validate.location(field(fields, "bucket"), field(fields, "key"), field(fields, "region"));
        }

        private String field(Map<String, String> fields, String name) {
            String fromForm = fields.get(name);
            String fromQuery = query(ctx, name);
            if (fromForm != null && fromQuery != null && !fromForm.equals(fromQuery)) {
                throw BrokerException.invalid(name, "given differently as form field and as query parameter");
            }
            String value = fromForm != null ? fromForm : fromQuery;
            if ((value == null || value.isBlank()) && !"region".equals(name)) {
                throw new BrokerException(ErrorCode.MISSING_PARAMETER, "Missing required parameter '" + name
                        + "': give it as a form field before the file part, or as a query parameter"
                        + " (the file is streamed as it arrives, so its destination must be known first)");
            }
            return value;
        }
    }

    /** The body as a stream with demand; the first demand answers an {@code Expect: 100-continue}. */
    private static Multi<Buffer> body(ReadStream<Buffer> stream, RoutingContext ctx) {
        return MultiHelper.toMulti(stream).onRequest().invoke(ignored -> continueIfExpected(ctx));
    }

    /** Sends the interim 100 once, only when the body is wanted: a request refused before gets no 100. */
    private static void continueIfExpected(RoutingContext ctx) {
        HttpServerRequest request = ctx.request();
        String expect = request.getHeader(HttpHeaders.EXPECT);
        if (expect == null || !expect.equalsIgnoreCase("100-continue") || ctx.get(CONTINUED) != null
                || movedToRequestContext(ctx, () -> continueIfExpected(ctx))) {
            return;
        }
        if (!request.response().headWritten()) {
            ctx.put(CONTINUED, Boolean.TRUE);
            request.response().writeContinue();
        }
    }

    /** The request's context, kept for {@link #movedToRequestContext}: handlers run on it. */
    private static Context bindRequestContext(RoutingContext ctx) {
        Context context = Vertx.currentContext();
        ctx.put(REQUEST_CONTEXT, context);
        return context;
    }

    /**
     * Whether {@code again} was handed over to the request's event loop because this is another thread. The request's
     * handlers, its pause state and its response belong to that loop, while the SDK's demand and an upload's outcome
     * arrive on the SDK's threads, and Vert.x does not guard a request against both at once. Once (UploadFailureTest,
     * 2026-11-30) a chunked form over the size limit got no answer in 2 minutes although its multipart upload had
     * been aborted within a second; its answer was started on an S3 callback thread while the loop still read the
     * body. That run could not be repeated, so this is the likeliest cause, not a proven one.
     */
    private static boolean movedToRequestContext(RoutingContext ctx, Runnable again) {
        Context context = ctx.get(REQUEST_CONTEXT);
        if (context == null || Vertx.currentContext() == context) {
            return false;
        }
        context.runOnContext(ignored -> again.run());
        return true;
    }

    /** The body's Content-Length, -1 if it has none or is chunked. */
    private static long declaredLength(HttpServerRequest request) {
        String header = request.getHeader(HttpHeaders.CONTENT_LENGTH);
        String encoding = request.getHeader(HttpHeaders.TRANSFER_ENCODING);
        if (header == null || encoding != null && encoding.toLowerCase(Locale.ROOT).contains("chunked")) {
            return -1;
        }
        long length;
        try {
            length = Long.parseLong(header.trim());
        } catch (NumberFormatException e) {
            throw new BrokerException(ErrorCode.INVALID_REQUEST, "Content-Length is not a number");
        }
        if (length < 0) {
            throw new BrokerException(ErrorCode.INVALID_REQUEST, "Content-Length is negative");
        }
        return length;
    }

    private static String contentType(String declared) {
        return declared == null || declared.isBlank() ? OCTET_STREAM : declared;
    }

    private static String query(RoutingContext ctx, String name) {
        return ctx.queryParams().get(name);
    }

    private void created(RoutingContext ctx, UploadResult done) {
        LOG.debugf("Uploaded %d bytes to s3://%s/%s", done.size(), done.bucket(), done.key());
        respond(ctx, 201, new UploadResponse(true, done.bucket(), done.key(), done.size(), done.etag()));
    }

    private void respondError(RoutingContext ctx, Throwable error) {
        ErrorCode code;
        String message;
        if (error instanceof BrokerException broker) {
            code = broker.code();
            message = broker.getMessage();
        } else if (error instanceof CredentialsUnavailableException credentials) {
            code = ErrorCode.CREDENTIALS_UNAVAILABLE;
            message = credentials.getMessage();
        } else {
            LOG.error("Upload failed unexpectedly", error);
            code = ErrorCode.INTERNAL_ERROR;
            message = "Internal error";
        }
        if (code.status() >= 500) {
            LOG.warnf("Upload failed: %s: %s", code.code(), message);
        }
        respond(ctx, code.status(), ErrorResponse.of(code, message));
    }

    private void respond(RoutingContext ctx, int status, Object body) {
        if (movedToRequestContext(ctx, () -> respond(ctx, status, body))) {
            return;
        }
        HttpServerResponse response = ctx.response();
        if (response.ended() || response.closed()) {
            return;
        }
        String text;
        try {
            text = json.writeValueAsString(body);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
        // A body the client is still sending cannot be skipped on a kept-alive connection: close it. But close it
        // lingering, as web servers do: read and drop what still comes for a moment, so that the client gets to
        // read this answer instead of a reset on its next write.
        HttpServerRequest request = ctx.request();
        boolean unread = !request.isEnded();
        if (unread) {
            response.putHeader(HttpHeaders.CONNECTION, "close");
            request.handler(ignored -> {
            });
            request.exceptionHandler(ignored -> {
            });
            request.endHandler(ignored -> request.connection().close());
            request.resume();
        }
        response.setStatusCode(status)
                .putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
                .putHeader(HttpHeaders.CACHE_CONTROL, "no-store")
                .end(text)
                .onComplete(ignored -> {
                    if (unread) {
                        ctx.vertx().setTimer(LINGER_MILLIS, id -> request.connection().close());
                    }
                });
    }
}
