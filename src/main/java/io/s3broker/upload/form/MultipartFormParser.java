package io.s3broker.upload.form;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

import io.netty.buffer.ByteBuf;
import io.vertx.core.buffer.Buffer;

/**
 * A streaming parser of {@code multipart/form-data} bodies (RFC 7578 over RFC 2046's multipart syntax): fed the
 * request's chunks as they arrive, it reports each part's headers, then its content as slices of those very chunks
 * (never copied), then the part's end. Why by hand, and its limits: docs/decisions/0005-own-multipart-form-parser.md.
 * Not thread-safe: one request's event loop feeds it. Any syntax error is a {@link MalformedFormException}, thrown
 * from {@link #feed} or {@link #end}; the parser is unusable afterwards.
 */
final class MultipartFormParser {

    /** What a form carries besides its parts' content is small; more than this is no form the broker takes. */
    static final int MAX_HEADER_BYTES = 8 * 1024;
    static final int MAX_PARTS = 16;
    static final long MAX_PREAMBLE_BYTES = 64 * 1024;
    static final long MAX_EPILOGUE_BYTES = 64 * 1024;
    private static final int MAX_BOUNDARY_LENGTH = 70;
    /** Spaces or tabs a boundary line may have before its CRLF (RFC 2046's transport padding). */
    private static final int MAX_PADDING = 256;
    private static final byte CR = '\r';
    private static final byte LF = '\n';

    interface Handler {
        void partStarted(PartHeaders part);

        /** Content of the current part: a slice of a fed chunk (or, at a chunk's start, a few carried-over bytes). */
        void partData(Buffer data);

        void partEnded();

        /** The closing delimiter was read and the body ended. */
        void formEnded();
    }

    static final class MalformedFormException extends RuntimeException {
        MalformedFormException(String message) {
            super(message);
        }
    }

    private enum State { PREAMBLE, DELIMITER_END, HEADERS, CONTENT, EPILOGUE }

    private final Handler handler;
    /** CRLF "--" boundary: what ends a part's content; the first one may lack the CRLF (see the carry's start). */
    private final byte[] delimiter;
    /** Horspool's shift per byte value: how far the window may move when its last byte is that value. */
    private final int[] shift = new int[256];
    /** The end of the last chunk, as far as it may be the start of a delimiter: always a proper prefix of it. */
    private final byte[] carry;
    private int carryLength;
    private final byte[] headers = new byte[MAX_HEADER_BYTES];
    private int headersLength;
    private State state = State.PREAMBLE;
    /** Within DELIMITER_END: 0 nothing read yet, 1 one dash, 2 transport padding, 3 CR. */
    private int delimiterEnd;
    private int padding;
    private int parts;
    private long outsideBytes;
    /** Bytes of the body fed before the current chunk. */
    private long fedBefore;
    /** Where in the body the current part's content starts. */
    private long contentStart;

    MultipartFormParser(String boundary, Handler handler) {
        this.handler = handler;
        this.delimiter = ("\r\n--" + boundary).getBytes(StandardCharsets.ISO_8859_1);
        int last = delimiter.length - 1;
        Arrays.fill(shift, delimiter.length);
        for (int i = 0; i < last; i++) {
            shift[delimiter[i] & 0xff] = last - i;
        }
        this.carry = new byte[delimiter.length];
        // The body may start with the first boundary line at once, without the CRLF of a delimiter: as if it followed
        // an empty preamble that ended in one.
        carry[0] = CR;
        carry[1] = LF;
        carryLength = 2;
    }

    /** The boundary parameter of a multipart Content-Type header. */
    static String boundary(String contentType) {
        if (contentType != null) {
            for (String parameter : contentType.split(";")) {
                int equals = parameter.indexOf('=');
                if (equals > 0 && parameter.substring(0, equals).trim().equalsIgnoreCase("boundary")) {
                    String value = parameter.substring(equals + 1).trim();
                    if (value.length() >= 2 && value.startsWith("\"") && value.endsWith("\"")) {
                        value = value.substring(1, value.length() - 1);
                    }
                    if (value.isEmpty() || value.length() > MAX_BOUNDARY_LENGTH || !value.chars().allMatch(c -> c >= 0x20 && c < 0x7f)) {
                        throw new MalformedFormException("the boundary must be 1 to 70 printable ASCII characters");
                    }
                    return value;
                }
            }
        }
        throw new MalformedFormException("the Content-Type has no boundary parameter");
    }

    void feed(Buffer chunk) {
        ByteBuf buf = chunk.getByteBuf();
        byte[] array;
        int offset;
        if (buf.hasArray()) {
            array = buf.array();
            offset = buf.arrayOffset(); // a Vert.x buffer's bytes are its indexes 0 to length, whatever its reader index
        } else {
            array = chunk.getBytes();
            offset = 0;
            chunk = Buffer.buffer(array);
        }
        int length = chunk.length();
        int position = 0;
        while (position < length) {
            position = switch (state) {
                case PREAMBLE, CONTENT -> content(chunk, array, offset, position, length);
                case DELIMITER_END -> delimiterEnd(array, offset, position, length);
                case HEADERS -> headers(array, offset, position, length);
                case EPILOGUE -> {
                    outside(length - position, MAX_EPILOGUE_BYTES, "after its closing boundary");
                    yield length;
                }
            };
        }
        fedBefore += length;
    }

    /**
     * The fewest bytes the current part's content can have if it is the last part of a body of {@code bodyLength}
     * bytes: everything after its start but the closing delimiter and the longest epilogue this parser takes.
     */
    long lastPartContentAtLeast(long bodyLength) {
        return bodyLength - contentStart - delimiter.length - "--".length() - MAX_EPILOGUE_BYTES;
    }

    /** The body ended. */
    void end() {
        if (state != State.EPILOGUE) {
            throw new MalformedFormException("the form ended before its closing boundary");
        }
        handler.formEnded();
    }

    /** Content (or preamble) from {@code position}: returns where parsing goes on. Indexes are relative to the chunk. */
    private int content(Buffer chunk, byte[] array, int offset, int position, int length) {
        if (carryLength > 0) {
            return afterCarry(array, offset, position, length);
        }
        int found = find(array, offset + position, offset + length);
        if (found >= 0) {
            data(chunk, position, found - offset);
            delimiterFound();
            return found - offset + delimiter.length;
        }
        // The chunk's last bytes may be the start of a delimiter that the next chunk completes: keep them back.
        int keep = Math.max(position, length - delimiter.length + 1);
        for (; keep < length; keep++) {
            if (array[offset + keep] == CR
                    && Arrays.equals(array, offset + keep, offset + length, delimiter, 0, length - keep)) {
                break;
            }
        }
        data(chunk, position, keep);
        System.arraycopy(array, offset + keep, carry, 0, length - keep);
        carryLength = length - keep;
        return length;
    }

    /**
     * Whether the carried-over bytes and this chunk's first ones make a delimiter. If not, the carry is content: it is
     * a prefix of the delimiter, which has its only CR at the start (boundaries are printable), so no delimiter can
     * start later within it.
     */
    private int afterCarry(byte[] array, int offset, int position, int length) {
        int needed = delimiter.length - carryLength;
        int compared = Math.min(needed, length - position);
        if (!Arrays.equals(array, offset + position, offset + position + compared, delimiter, carryLength,
                carryLength + compared)) {
            carriedData();
            return position;
        }
        if (compared < needed) {
            // Still only the start of a delimiter: carry it all on to the next chunk.
            System.arraycopy(array, offset + position, carry, carryLength, compared);
            carryLength += compared;
            return length;
        }
        carryLength = 0;
        delimiterFound();
        return position + needed;
    }

    /** Horspool: the absolute index of the first delimiter in {@code array[from, to)}, or -1. */
    private int find(byte[] array, int from, int to) {
        int last = delimiter.length - 1;
        byte lastByte = delimiter[last];
        for (int window = from; window + last < to; window += shift[array[window + last] & 0xff]) {
            if (array[window + last] == lastByte && Arrays.equals(array, window, window + last, delimiter, 0, last)) {
                return window;
            }
        }
        return -1;
    }

    private void data(Buffer chunk, int from, int to) {
        if (to <= from) {
            return;
        }
        if (state == State.CONTENT) {
            handler.partData(chunk.slice(from, to));
        } else {
            outside(to - from, MAX_PREAMBLE_BYTES, "before its first boundary");
        }
    }

    private void carriedData() {
        if (state == State.CONTENT) {
            handler.partData(Buffer.buffer(Arrays.copyOf(carry, carryLength)));
        } else {
            outside(carryLength, MAX_PREAMBLE_BYTES, "before its first boundary");
        }
        carryLength = 0;
    }

    private void outside(int count, long max, String where) {
        outsideBytes += count;
        if (outsideBytes > max) {
            throw new MalformedFormException("the form has more than " + max + " bytes " + where);
        }
    }

    private void delimiterFound() {
        if (state == State.CONTENT) {
            handler.partEnded();
        }
        outsideBytes = 0;
        state = State.DELIMITER_END;
        delimiterEnd = 0;
        padding = 0;
    }

    /** After a delimiter: "--" closes the form; else optional spaces or tabs, then CRLF, then the next part. */
    private int delimiterEnd(byte[] array, int offset, int position, int length) {
        for (int i = position; i < length; i++) {
            byte b = array[offset + i];
            switch (delimiterEnd) {
                case 0 -> delimiterEnd = b == '-' ? 1 : b == ' ' || b == '\t' ? 2 : b == CR ? 3 : malformedDelimiter();
                case 1 -> {
                    if (b != '-') {
                        malformedDelimiter();
                    }
                    state = State.EPILOGUE;
                    return i + 1;
                }
                case 2 -> {
                    if (++padding > MAX_PADDING) {
                        throw new MalformedFormException("a boundary line has more than " + MAX_PADDING + " spaces after it");
                    }
                    delimiterEnd = b == ' ' || b == '\t' ? 2 : b == CR ? 3 : malformedDelimiter();
                }
                default -> {
                    if (b != LF) {
                        malformedDelimiter();
                    }
                    if (++parts > MAX_PARTS) {
                        throw new MalformedFormException("the form has more than " + MAX_PARTS + " parts");
                    }
                    state = State.HEADERS;
                    headersLength = 0;
                    return i + 1;
                }
            }
        }
        return length;
    }

    private int malformedDelimiter() {
        throw new MalformedFormException("a boundary line must end with CRLF (or '--' for the last one)");
    }

    /** A part's header lines, up to the empty line. */
    private int headers(byte[] array, int offset, int position, int length) {
        for (int i = position; i < length; i++) {
            if (headersLength == MAX_HEADER_BYTES) {
                throw new MalformedFormException("the headers of a part are longer than " + MAX_HEADER_BYTES + " bytes");
            }
            headers[headersLength++] = array[offset + i];
            if (headersLength >= 2 && headers[headersLength - 1] == LF && headers[headersLength - 2] == CR
                    && (headersLength == 2 || headersLength >= 4 && headers[headersLength - 3] == LF
                            && headers[headersLength - 4] == CR)) {
                PartHeaders part = PartHeaders.parse(new String(headers, 0, headersLength, StandardCharsets.UTF_8));
                state = State.CONTENT;
                contentStart = fedBefore + i + 1;
                handler.partStarted(part);
                return i + 1;
            }
        }
        return length;
    }
}
