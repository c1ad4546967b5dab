package io.s3broker.rest;

import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import org.jboss.logging.Logger;

import io.s3broker.access.AccessPolicy;
import io.s3broker.auth.Caller;
import io.s3broker.config.BrokerConfig;
import io.s3broker.logging.LogText;
import io.s3broker.credentials.Access;
import io.s3broker.credentials.ScopeCredentials;
import io.s3broker.http.RouteOrder;
import io.s3broker.rest.error.BrokerException;
import io.s3broker.rest.error.ErrorCode;
import io.s3broker.s3.ObjectLocation;
import io.s3broker.s3.WriteTarget;
import io.s3broker.upload.BodyLength;
import io.s3broker.upload.UploadRequest;
import io.s3broker.upload.UploadResult;
import io.s3broker.upload.UploadService;
import io.s3broker.upload.form.FilePart;
import io.s3broker.upload.form.StreamingFormDecoder;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.vertx.MultiHelper;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.streams.ReadStream;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

/**
 * Streaming uploads: {@code PUT /item} takes the object as the raw body, {@code POST /item} as the file part of a
 * multipart form. Thin: they check the request, authorize it and hand the body to the upload engine. Vert.x routes,
 * not JAX-RS methods, so that the body streams into S3: docs/decisions/0004-uploads-as-vertx-routes.md.
 */
@ApplicationScoped
public class UploadRoutes {

    private static final Logger LOG = Logger.getLogger(UploadRoutes.class);
    static final Set<String> FIELDS = Set.of("bucket", "key", "region");
    static final Set<String> FILE_PARTS = Set.of("files", "file");
    private static final String OCTET_STREAM = "application/octet-stream";
    private static final String CONTINUED = "broker.continued";

    private final RequestValidator validate;
    private final UploadService uploads;
    private final RouteResponses responses;
    private final AccessPolicy access;
    private final Optional<String> acl;

    public UploadRoutes(RequestValidator validate, UploadService uploads, RouteResponses responses, AccessPolicy access,
            BrokerConfig config) {
        this.validate = validate;
        this.uploads = uploads;
        this.responses = responses;
        this.access = access;
        this.acl = config.upload().acl();
    }

    void register(@Observes Router router) {
        router.put("/item").order(RouteOrder.STREAMING_UPLOADS.order()).handler(CallerFilter.withCaller(this::put));
        router.post("/item").order(RouteOrder.STREAMING_UPLOADS.order()).handler(CallerFilter.withCaller(this::post));
    }

    void put(RoutingContext ctx, Caller caller) {
        // The request's context: the upload runs on it, and its outcome comes back to it.
        Context context = Vertx.currentContext();
        HttpServerRequest request = ctx.request();
        request.pause();
        WriteTarget target;
        long length;
        try {
            ObjectLocation location = validate.location(query(ctx, "bucket"), query(ctx, "key"), query(ctx, "region"));
            length = declaredLength(request);
            target = authorize(caller, location, request.getHeader(HttpHeaders.CONTENT_TYPE));
        } catch (RuntimeException e) {
            respondError(ctx, e);
            return;
        }
        start(ctx, caller, target, BodyLength.declared(length), body(request, ctx), context);
    }

    /** The upload's target, once the caller's write allow-list covers it (checked before any STS or S3 call). */
    private WriteTarget authorize(Caller caller, ObjectLocation location, String declaredType) {
        String type = validate.contentType(declaredType).orElse(OCTET_STREAM);
        ScopeCredentials scope = access.authorize(caller, Access.WRITE, "upload", location.bucket(), location.key());
        return new WriteTarget(location, Optional.of(type), acl, scope);
    }

    /** Hands the upload to the engine as one request; its answer comes back on the request's context. */
    private void start(RoutingContext ctx, Caller caller, WriteTarget target, BodyLength length, Multi<Buffer> body,
            Context context) {
        uploads.upload(new UploadRequest(caller, target, length, body, context))
                .subscribe().with(done -> created(ctx, done), error -> respondError(ctx, error));
    }

    void post(RoutingContext ctx, Caller caller) {
        // The request's context: the upload runs on it, and its outcome comes back to it.
        Context context = Vertx.currentContext();
        HttpServerRequest request = ctx.request();
        request.pause();
        String type = request.getHeader(HttpHeaders.CONTENT_TYPE);
        if (type == null || !type.toLowerCase(Locale.ROOT).startsWith("multipart/form-data")) {
            respondError(ctx, new BrokerException(ErrorCode.UNSUPPORTED_MEDIA_TYPE,
                    "POST /item takes multipart/form-data; send the raw object with PUT /item"));
            return;
        }
        Form form = new Form(ctx, caller, context);
        try {
            new StreamingFormDecoder(request, type, declaredLength(request), form);
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

    /**
     * One multipart form as it streams by: its fields, then exactly one file part, the last. Once the file has
     * started, the decoder tells the upload itself, through the file's stream, whether the form ended validly.
     */
    private final class Form implements StreamingFormDecoder.Listener {
        private final RoutingContext ctx;
        private final Caller caller;
        private final Context context;

        Form(RoutingContext ctx, Caller caller, Context context) {
            this.ctx = ctx;
            this.caller = caller;
            this.context = context;
        }

        @Override
        public void fileStarted(String partName, String contentType, Map<String, String> fields, FilePart part) {
            try {
                ObjectLocation location = destination(partName, fields);
                WriteTarget target = authorize(caller, location, contentType);
                Multi<Buffer> file = part.stream().onRequest().invoke(ignored -> continueIfExpected(ctx));
                start(ctx, caller, target, BodyLength.atLeast(part.leastSize()), file, context);
            } catch (RuntimeException e) {
                respondError(ctx, e);
            }
        }

        @Override
        public void endedWithoutFile() {
            respondError(ctx, new BrokerException(ErrorCode.MISSING_PARAMETER,
                    "Missing the file part: send the object as a form part named 'files' or 'file'"));
        }

        @Override
        public void failed(Throwable error) {
            respondError(ctx, new BrokerException(ErrorCode.INVALID_REQUEST,
                    "Malformed multipart form or broken connection: " + error.getMessage(), error));
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
    public static Multi<Buffer> body(ReadStream<Buffer> stream, RoutingContext ctx) {
        return MultiHelper.toMulti(stream).onRequest().invoke(ignored -> continueIfExpected(ctx));
    }

    /**
     * Sends the interim 100 once, only when the body is wanted: a request refused before gets no 100. Called on the
     * request's event loop: the upload asks for the body from there.
     */
    private static void continueIfExpected(RoutingContext ctx) {
        HttpServerRequest request = ctx.request();
        String expect = request.getHeader(HttpHeaders.EXPECT);
        if (expect == null || !expect.equalsIgnoreCase("100-continue") || ctx.get(CONTINUED) != null) {
            return;
        }
        if (!request.response().headWritten()) {
            ctx.put(CONTINUED, Boolean.TRUE);
            request.response().writeContinue();
        }
    }

    /** The body's Content-Length, -1 if it has none or is chunked. */
    public static long declaredLength(HttpServerRequest request) {
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

    private static String query(RoutingContext ctx, String name) {
        return ctx.queryParams().get(name);
    }

    private void created(RoutingContext ctx, UploadResult done) {
        LOG.debugf("Uploaded %d bytes to s3://%s/%s", done.size(), done.bucket(), LogText.escape(done.key()));
        respond(ctx, 201, new UploadResponse(true, done.bucket(), done.key(), done.size(), done.etag()));
    }

    /** On the request's event loop, like every answer here. */
    private void respondError(RoutingContext ctx, Throwable error) {
        responses.error(ctx, error);
    }

    private void respond(RoutingContext ctx, int status, Object body) {
        responses.json(ctx, status, body, Map.of());
    }
}
