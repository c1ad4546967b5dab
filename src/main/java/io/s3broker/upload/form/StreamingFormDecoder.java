package io.s3broker.upload.form;

import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

import io.s3broker.upload.form.MultipartFormParser.MalformedFormException;
import io.s3broker.upload.form.MultipartFormParser.PartHeaders;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;

/**
 * Decodes a multipart form as it streams in: fields are kept, a file part's bytes are passed on as they arrive, so
 * that bucket and key are known when the file starts (docs/decisions/0005-own-multipart-form-parser.md).
 * Event-loop only.
 */
public final class StreamingFormDecoder implements MultipartFormParser.Handler {

    /** Form fields are a bucket, a key and a region: anything longer is not one of them. */
    static final int MAX_FIELD_BYTES = 4096;

    public interface Listener {
        /** A file part starts; {@code fields} are the fields that came before it. */
        void fileStarted(String partName, String contentType, Map<String, String> fields, FilePart part);

        /**
         * A part came after the file part, which must be the last one: then a Content-Length tells the file's size
         * within 64 KiB before it arrives, and the file is streamed on that promise. The form is not decoded any
         * further.
         */
        void partAfterFile(String partName, boolean isFile);

        /** The form ended; {@code fields} are all of its fields. */
        void ended(Map<String, String> fields);

        /** The form is malformed, or the connection broke. */
        void failed(Throwable error);
    }

    private final HttpServerRequest request;
    /** The body's declared length, -1 if it has none (chunked). */
    private final long bodyLength;
    private final Listener listener;
    private final MultipartFormParser parser;
    /** The first value of each field, in the order they came. */
    private final Map<String, String> fields = new LinkedHashMap<>();
    private String fieldName;
    private Buffer fieldValue;
    /** The file part being streamed, until its end. */
    private FilePart file;
    private boolean fileSeen;
    private boolean done;

    /** Throws a {@link MalformedFormException} when the request has no usable boundary. */
    public StreamingFormDecoder(HttpServerRequest request, long bodyLength, Listener listener) {
        this.request = request;
        this.bodyLength = bodyLength;
        this.listener = listener;
        this.parser = new MultipartFormParser(MultipartFormParser.boundary(request.getHeader(HttpHeaders.CONTENT_TYPE)),
                this);
        request.handler(this::offer);
        request.endHandler(ignored -> finish());
        request.exceptionHandler(this::fail);
    }

    private void offer(Buffer chunk) {
        if (done) {
            return;
        }
        try {
            parser.feed(chunk);
        } catch (MalformedFormException e) {
            fail(e);
        }
    }

    private void finish() {
        if (done) {
            return;
        }
        try {
            parser.end();
        } catch (MalformedFormException e) {
            fail(e);
        }
    }

    private void fail(Throwable error) {
        if (done) {
            return;
        }
        done = true;
        if (file != null) {
            file.fail(error);
        }
        listener.failed(error);
    }

    @Override
    public void partStarted(PartHeaders part) {
        if (done) {
            return;
        }
        if (fileSeen) {
            done = true;
            listener.partAfterFile(part.name(), part.filename() != null);
            return;
        }
        if (part.filename() != null) {
            fileSeen = true;
            file = new FilePart(request, bodyLength < 0 ? -1 : parser.lastPartContentAtLeast(bodyLength));
            listener.fileStarted(part.name(), part.contentType(), Collections.unmodifiableMap(new LinkedHashMap<>(fields)), file);
        } else {
            fieldName = part.name();
            fieldValue = Buffer.buffer();
        }
    }

    @Override
    public void partData(Buffer data) {
        if (done) {
            return;
        }
        if (file != null) {
            file.data(data);
            return;
        }
        if (fieldValue.length() + data.length() > MAX_FIELD_BYTES) {
            throw new MalformedFormException("form field '" + fieldName + "' is longer than " + MAX_FIELD_BYTES + " bytes");
        }
        fieldValue.appendBuffer(data);
    }

    @Override
    public void partEnded() {
        if (done) {
            return;
        }
        if (file != null) {
            FilePart ended = file;
            file = null;
            ended.end();
        } else {
            fields.putIfAbsent(fieldName, fieldValue.toString(StandardCharsets.UTF_8));
            fieldValue = null;
        }
    }

    @Override
    public void formEnded() {
        if (done) {
            return;
        }
        done = true;
        listener.ended(Collections.unmodifiableMap(new LinkedHashMap<>(fields)));
    }
}
