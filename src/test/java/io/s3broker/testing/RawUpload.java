package io.s3broker.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/** A chunked upload written by hand on a socket, so that a test decides when each byte goes (or never goes). */
public final class RawUpload {

    private RawUpload() {
    }

    /** Writes {@code bytes} zero bytes as chunks of 64 KiB (no last chunk: the body goes on). */
    public static void writeChunks(OutputStream out, int bytes) throws IOException {
        byte[] chunk = new byte[1 << 16];
        for (int sent = 0; sent < bytes; sent += chunk.length) {
            out.write((Integer.toHexString(chunk.length) + "\r\n").getBytes(StandardCharsets.US_ASCII));
            out.write(chunk);
            out.write("\r\n".getBytes(StandardCharsets.US_ASCII));
        }
        out.flush();
    }

    /** The status line, headers and JSON body of an answer whose connection closes after it. */
    public static String readAnswer(InputStream in) throws IOException {
        StringBuilder text = new StringBuilder();
        byte[] buffer = new byte[4096];
        try {
            for (int n; (n = in.read(buffer)) >= 0; ) {
                text.append(new String(buffer, 0, n, StandardCharsets.UTF_8));
                if (text.indexOf("}}") >= 0) {
                    break;
                }
            }
        } catch (java.net.SocketException reset) {
            // What was read before the reset is the answer.
        }
        return text.toString();
    }
}
