package io.s3broker.rest;

import java.io.IOException;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.multipart.Attribute;
import io.netty.handler.codec.http.multipart.DefaultHttpDataFactory;
import io.netty.handler.codec.http.multipart.FileUpload;
import io.netty.handler.codec.http.multipart.HttpPostMultipartRequestDecoder;
import io.netty.handler.codec.http.multipart.HttpPostRequestDecoder;
import io.netty.handler.codec.http.multipart.MemoryAttribute;
import io.netty.handler.codec.http.multipart.MemoryFileUpload;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerRequest;

/**
 * Decodes a multipart form as it streams in, with Netty's multipart decoder (the one Vert.x uses) and a data
 * factory whose file parts pass their bytes on instead of keeping them.
 * <p>
 * Needed because Vert.x's own form handling makes the fields known only at the end of the request, while the
 * broker must know bucket and key when the file part starts, to stream it. Event-loop only.
 */
final class StreamingFormDecoder {

    /** Form fields are a bucket, a key and a region: anything longer is not one of them. */
    private static final long MAX_FIELD_BYTES = 4096;

    interface Listener {
        /** A file part starts; {@code fields} are the fields that came before it. */
        void fileStarted(String partName, String contentType, Map<String, String> fields, FilePart part);

        /** The form ended; {@code fields} are all of its fields. */
        void ended(Map<String, String> fields);

        /** The form is malformed, or the connection broke. */
        void failed(Throwable error);
    }

    private final HttpServerRequest request;
    private final Listener listener;
    private final HttpPostMultipartRequestDecoder decoder;
    private final List<Attribute> fields = new ArrayList<>();
    private FilePart current;
    private boolean done;

    /** Throws Netty's ErrorDataDecoderException when the request is no multipart form (no boundary, say). */
    StreamingFormDecoder(HttpServerRequest request, Listener listener) {
        this.request = request;
        this.listener = listener;
        DefaultHttpHeaders headers = new DefaultHttpHeaders();
        request.headers().forEach(header -> headers.add(header.getKey(), header.getValue()));
        HttpRequest head = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST, request.uri(), headers);
        this.decoder = new HttpPostMultipartRequestDecoder(new StreamingFactory(), head, StandardCharsets.UTF_8);
        request.handler(this::offer);
        request.endHandler(ignored -> finish());
        request.exceptionHandler(this::fail);
    }

    private void offer(Buffer chunk) {
        if (done) {
            return;
        }
        try {
            decoder.offer(new DefaultHttpContent(chunk.getByteBuf()));
            drain();
        } catch (RuntimeException e) {
            fail(e);
        }
    }

    private void finish() {
        if (done) {
            return;
        }
        try {
            decoder.offer(LastHttpContent.EMPTY_LAST_CONTENT);
            drain();
        } catch (RuntimeException e) {
            fail(e);
            return;
        }
        done = true;
        Map<String, String> all = values();
        decoder.destroy();
        listener.ended(all);
    }

    private void fail(Throwable error) {
        if (done) {
            return;
        }
        done = true;
        if (current != null) {
            current.fail(error);
        }
        decoder.destroy();
        listener.failed(error);
    }

    /** Completed parts are dropped as they come: fields are kept by the factory, file bytes are passed on. */
    private void drain() {
        try {
            while (decoder.hasNext()) {
                decoder.next();
            }
        } catch (HttpPostRequestDecoder.EndOfDataDecoderException end) {
            // the epilogue: every part has been read
        }
    }

    private Map<String, String> values() {
        Map<String, String> values = new LinkedHashMap<>();
        for (Attribute field : fields) {
            try {
                values.putIfAbsent(field.getName(), field.getValue());
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        }
        return values;
    }

    private final class StreamingFactory extends DefaultHttpDataFactory {

        StreamingFactory() {
            super(false);
        }

        @Override
        public Attribute createAttribute(HttpRequest ignored, String name) {
            MemoryAttribute field = new MemoryAttribute(name, StandardCharsets.UTF_8);
            field.setMaxSize(MAX_FIELD_BYTES);
            fields.add(field);
            return field;
        }

        @Override
        public Attribute createAttribute(HttpRequest ignored, String name, long definedSize) {
            return createAttribute(ignored, name);
        }

        /** Netty builds the parameters of a part's headers (name, filename) with this one: they are no fields. */
        @Override
        public Attribute createAttribute(HttpRequest ignored, String name, String value) {
            MemoryAttribute field = new MemoryAttribute(name, StandardCharsets.UTF_8);
            field.setMaxSize(MAX_FIELD_BYTES);
            try {
                field.setValue(value);
            } catch (IOException e) {
                throw new IllegalArgumentException("Form field '" + name + "' is too long", e);
            }
            return field;
        }

        @Override
        public FileUpload createFileUpload(HttpRequest ignored, String name, String filename, String contentType,
                String transferEncoding, Charset charset, long size) {
            // The fields before a file part are complete once it starts: the decoder reads the parts in order.
            FilePart part = new FilePart(request);
            current = part;
            listener.fileStarted(name, contentType, values(), part);
            return new StreamedFileUpload(name, filename, contentType, transferEncoding, charset, size, part);
        }
    }

    /** A file part that hands each decoded slice to its {@link FilePart} and keeps nothing. */
    private static final class StreamedFileUpload extends MemoryFileUpload {
        private final FilePart part;

        StreamedFileUpload(String name, String filename, String contentType, String transferEncoding, Charset charset,
                long size, FilePart part) {
            super(name, filename, contentType, transferEncoding, charset, size);
            this.part = part;
        }

        @Override
        public void addContent(ByteBuf content, boolean last) {
            try {
                if (content.isReadable()) {
                    size += content.readableBytes();
                    part.data(Buffer.buffer(ByteBufUtil.getBytes(content)));
                }
            } finally {
                content.release();
            }
            if (last) {
                setCompleted();
                part.end();
            }
        }
    }
}
