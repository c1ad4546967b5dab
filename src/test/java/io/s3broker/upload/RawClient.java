package io.s3broker.upload;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;

/** An HTTP/1.1 client on a bare socket, for bodies that stall, end early or are empty in a given framing. */
final class RawClient implements AutoCloseable {

    /** What came back: status, header block and body. */
    record Answer(int status, String head, String body, long millis) {
        boolean hasHeader(String name) {
            return head.toLowerCase(Locale.ROOT).contains("\r\n" + name.toLowerCase(Locale.ROOT) + ":");
        }
    }

    private final Socket socket;
    private final OutputStream out;
    private final long opened = System.nanoTime();

    RawClient(URI base, String head) throws IOException {
        socket = new Socket(base.getHost(), base.getPort());
        out = socket.getOutputStream();
        out.write(head.getBytes(StandardCharsets.US_ASCII));
        out.flush();
    }

    /** Sends {@code bytes} as chunks of the chunked encoding. */
    RawClient chunks(long bytes) throws IOException {
        byte[] chunk = new byte[1 << 16];
        for (long sent = 0; sent < bytes; sent += chunk.length) {
            int n = (int) Math.min(chunk.length, bytes - sent);
            out.write((Integer.toHexString(n) + "\r\n").getBytes(StandardCharsets.US_ASCII));
            out.write(chunk, 0, n);
            out.write("\r\n".getBytes(StandardCharsets.US_ASCII));
        }
        out.flush();
        return this;
    }

    RawClient raw(String text) throws IOException {
        out.write(text.getBytes(StandardCharsets.US_ASCII));
        out.flush();
        return this;
    }

    RawClient bytes(long count) throws IOException {
        byte[] block = new byte[1 << 16];
        for (long sent = 0; sent < count; sent += block.length) {
            out.write(block, 0, (int) Math.min(block.length, count - sent));
        }
        out.flush();
        return this;
    }

    /** Reads the answer (head, then a body of its Content-Length), waiting at most {@code timeout}. */
    Answer answer(Duration timeout) throws IOException {
        socket.setSoTimeout((int) timeout.toMillis());
        InputStream in = socket.getInputStream();
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int matched = 0;
        while (matched < 4) {
            int c = in.read();
            if (c < 0) {
                throw new IOException("connection closed before an answer: " + head);
            }
            head.write(c);
            matched = (c == '\r' && matched % 2 == 0) || (c == '\n' && matched % 2 == 1) ? matched + 1 : 0;
        }
        String text = head.toString(StandardCharsets.US_ASCII);
        if (text.startsWith("HTTP/1.1 100")) {
            return answer(timeout);
        }
        long millis = (System.nanoTime() - opened) / 1_000_000;
        int length = 0;
        for (String line : text.split("\r\n")) {
            if (line.toLowerCase(Locale.ROOT).startsWith("content-length:")) {
                length = Integer.parseInt(line.substring(15).trim());
            }
        }
        byte[] body = in.readNBytes(length);
        return new Answer(Integer.parseInt(text.substring(9, 12)), text, new String(body, StandardCharsets.UTF_8), millis);
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
