package io.s3broker.upload.form;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.multipart.Attribute;
import io.netty.handler.codec.http.multipart.DefaultHttpDataFactory;
import io.netty.handler.codec.http.multipart.FileUpload;
import io.netty.handler.codec.http.multipart.HttpPostMultipartRequestDecoder;
import io.netty.handler.codec.http.multipart.InterfaceHttpData;
import io.vertx.core.buffer.Buffer;

/** Multipart bodies for the form parser's differential and property tests, and the two parsers to read them. */
final class Forms {

    private Forms() {
    }

    /**
     * One part as it is written and as a parser reports it; content as ISO-8859-1 text, so that records compare it.
     *
     * @param filename null for a plain field
     * @param contentType null when the part has no Content-Type header
     */
    record Part(String name, String filename, String contentType, String content) {
        static Part of(String name, String filename, String contentType, byte[] content) {
            return new Part(name, filename, contentType, new String(content, StandardCharsets.ISO_8859_1));
        }

        byte[] bytes() {
            return content.getBytes(StandardCharsets.ISO_8859_1);
        }
    }

    /** The body of a form with {@code parts}, as browsers write it. */
    static byte[] body(String boundary, List<Part> parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (Part part : parts) {
            StringBuilder head = new StringBuilder("--").append(boundary).append("\r\n")
                    .append("Content-Disposition: form-data; name=\"").append(part.name()).append('"');
            if (part.filename() != null) {
                head.append("; filename=\"").append(part.filename()).append('"');
            }
            head.append("\r\n");
            if (part.contentType() != null) {
                head.append("Content-Type: ").append(part.contentType()).append("\r\n");
            }
            out.writeBytes(head.append("\r\n").toString().getBytes(StandardCharsets.UTF_8));
            out.writeBytes(part.bytes());
            out.writeBytes("\r\n".getBytes(StandardCharsets.ISO_8859_1));
        }
        out.writeBytes(("--" + boundary + "--\r\n").getBytes(StandardCharsets.ISO_8859_1));
        return out.toByteArray();
    }

    /**
     * Whether {@code content}, after the CRLF that precedes every part's content, holds the form's delimiter, or
     * what Netty takes for one too: "--boundary" after a bare LF (RFC 2046 wants CRLF; the broker's parser does).
     */
    static boolean holdsDelimiter(byte[] content, String boundary) {
        return ("\r\n" + new String(content, StandardCharsets.ISO_8859_1)).contains("\n--" + boundary);
    }

    /** {@code body} cut at {@code cuts} (positions, in any order; out of range ones are ignored). */
    static List<byte[]> chunks(byte[] body, List<Integer> cuts) {
        int[] at = cuts.stream().mapToInt(Integer::intValue).filter(c -> c > 0 && c < body.length).sorted().distinct()
                .toArray();
        List<byte[]> chunks = new ArrayList<>();
        int from = 0;
        for (int cut : at) {
            chunks.add(Arrays.copyOfRange(body, from, cut));
            from = cut;
        }
        chunks.add(Arrays.copyOfRange(body, from, body.length));
        return chunks;
    }

    /** What the broker's parser reads, fed {@code chunks} one by one; throws what it throws. */
    static List<Part> ours(String boundary, List<byte[]> chunks) {
        MultipartFormParserTest.Recorder recorder = new MultipartFormParserTest.Recorder();
        MultipartFormParser parser = new MultipartFormParser(boundary, recorder);
        for (byte[] chunk : chunks) {
            parser.feed(Buffer.buffer(chunk));
        }
        parser.end();
        if (!recorder.ended) {
            throw new AssertionError("the parser returned from end() without formEnded()");
        }
        List<Part> parts = new ArrayList<>();
        for (int i = 0; i < recorder.parts.size(); i++) {
            PartHeaders headers = recorder.parts.get(i);
            parts.add(Part.of(headers.name(), headers.filename(), headers.contentType(), recorder.contents.get(i)));
        }
        return parts;
    }

    /**
     * What Netty's decoder (the one Vert.x uses) reads from the same chunks. Netty gives a file part without
     * Content-Type a default one, so a content type is kept only where the body has one ({@code written}).
     */
    static List<Part> netty(String boundary, List<byte[]> chunks, List<Part> written) throws Exception {
        DefaultHttpRequest request = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST, "/item");
        request.headers().set(HttpHeaderNames.CONTENT_TYPE, "multipart/form-data; boundary=" + boundary);
        HttpPostMultipartRequestDecoder decoder = new HttpPostMultipartRequestDecoder(new DefaultHttpDataFactory(false),
                request, StandardCharsets.UTF_8);
        try {
            for (byte[] chunk : chunks) {
                decoder.offer(new DefaultHttpContent(Unpooled.wrappedBuffer(chunk)));
            }
            decoder.offer(new DefaultLastHttpContent(Unpooled.EMPTY_BUFFER));
            List<Part> parts = new ArrayList<>();
            for (InterfaceHttpData data : decoder.getBodyHttpDatas()) {
                int i = parts.size();
                String declaredType = i < written.size() ? written.get(i).contentType() : null;
                if (data instanceof FileUpload file) {
                    parts.add(Part.of(file.getName(), file.getFilename(), declaredType == null ? null
                            : file.getContentType(), file.get()));
                } else if (data instanceof Attribute attribute) {
                    parts.add(Part.of(attribute.getName(), null, declaredType, attribute.get()));
                } else {
                    throw new AssertionError("Netty read " + data);
                }
            }
            return parts;
        } finally {
            decoder.destroy();
        }
    }

    /** The first difference between two readings of a form, for a failure message short enough to read. */
    static String difference(List<Part> expected, List<Part> actual) {
        if (expected.size() != actual.size()) {
            return expected.size() + " parts expected, " + actual.size() + " read: " + names(expected) + " vs "
                    + names(actual);
        }
        for (int i = 0; i < expected.size(); i++) {
            Part e = expected.get(i);
            Part a = actual.get(i);
            if (!e.equals(a)) {
                int at = 0;
                while (at < Math.min(e.content().length(), a.content().length())
                        && e.content().charAt(at) == a.content().charAt(at)) {
                    at++;
                }
                return "part " + i + ": " + new Part(e.name(), e.filename(), e.contentType(), e.content().length() + " bytes")
                        + " vs " + new Part(a.name(), a.filename(), a.contentType(), a.content().length() + " bytes")
                        + (e.content().equals(a.content()) ? "" : ", content differs from byte " + at);
            }
        }
        return null;
    }

    private static List<String> names(List<Part> parts) {
        return parts.stream().map(Part::name).toList();
    }
}
