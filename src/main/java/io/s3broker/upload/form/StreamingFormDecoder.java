package io.s3broker.upload.form;

import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

import io.s3broker.upload.UploadFailure;
import io.s3broker.upload.form.MultipartFormParser.MalformedFormException;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.streams.ReadStream;

/**
 * Decodes a multipart form as it streams in: fields are kept, a file part's bytes are passed on as they arrive, so
 * that bucket and key are known when the file starts (docs/decisions/0005-own-multipart-form-parser.md).
 * Event-loop only.
 */
public final class StreamingFormDecoder implements MultipartFormParser.Handler {

    /** Form fields are a bucket, a key and a region: anything longer is not one of them. */
    static final int MAX_FIELD_BYTES = 4096;

    /**
     * What the form holds. Once a file part has started, what follows reaches its {@link FilePart}'s stream instead:
     * it completes when the form ends validly, and fails when it does not. The file part must be the last one:
     * then a Content-Length tells the file's size within 64 KiB before it arrives, and the file is streamed on that
     * promise; a part after it fails the stream, and the form is not decoded any further.
     */
    public interface Listener {
        /** A file part starts; {@code fields} are the fields that came before it. */
        void fileStarted(String partName, String contentType, Map<String, String> fields, FilePart part);

        /** The form ended without a file part. */
        void endedWithoutFile();

        /** The form is malformed, or the connection broke, before any file part. */
        void failed(Throwable error);
    }

    private final ReadStream<Buffer> request;
    /** The body's declared length, -1 if it has none (chunked). */
    private final long bodyLength;
    private final Listener listener;
    private final MultipartFormParser parser;
    /** The first value of each field, in the order they came. */
    private final Map<String, String> fields = new LinkedHashMap<>();
    private String fieldName;
    private Buffer fieldValue;
    /** The file part, once it has started. */
    private FilePart file;
    /** Whether the file part's content is streaming. */
    private boolean inFile;
    private boolean done;

    /**
     * Decodes {@code body} (a request's, which it reads from now on) as the multipart form its {@code contentType}
     * names. Throws a {@link MalformedFormException} when that has no usable boundary.
     */
    public StreamingFormDecoder(ReadStream<Buffer> body, String contentType, long bodyLength, Listener listener) {
        this.request = body;
        this.bodyLength = bodyLength;
        this.listener = listener;
        this.parser = new MultipartFormParser(MultipartFormParser.boundary(contentType), this);
        body.handler(this::offer);
        body.endHandler(ignored -> finish());
        body.exceptionHandler(this::fail);
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
        if (file == null) {
            listener.failed(error);
        } else if (inFile) {
            file.fail(error);
        } else {
            file.fail(rejected("Malformed multipart form or broken connection: " + error.getMessage(), error));
        }
    }

    private static UploadFailure rejected(String message, Throwable cause) {
        return new UploadFailure(UploadFailure.Kind.REJECTED, message, cause);
    }

    @Override
    public void partStarted(PartHeaders part) {
        if (done) {
            return;
        }
        if (file != null) {
            done = true;
            file.fail(rejected(part.filename() != null ? "The form must have exactly one file part"
                    : "Form fields must come before the file part (or be given as query parameters), because the file"
                            + " is streamed as it arrives: [" + part.name() + "] came after it", null));
            return;
        }
        if (part.filename() != null) {
            inFile = true;
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
        if (inFile) {
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
        if (inFile) {
            inFile = false;
            file.contentEnded();
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
        if (file != null) {
            file.end();
        } else {
            listener.endedWithoutFile();
        }
    }
}
