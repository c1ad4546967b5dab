package io.s3broker.security;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.restassured.RestAssured;
import io.s3broker.testing.Management;

/**
 * Requests written byte for byte on a socket, so that a test can send what no HTTP client would (raw bytes in the
 * target, controls in headers, broken bodies), and the answer as it came.
 */
final class RawHttp {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** An answer: status, headers (names lowercased, last one wins) and body. */
    record Answer(int status, Map<String, String> headers, String body) {

        String header(String name) {
            return headers.get(name.toLowerCase(Locale.ROOT));
        }

        boolean isJson() {
            String type = header("content-type");
            return type != null && type.startsWith("application/json");
        }

        /** The error code of a JSON error body, or null. */
        String errorCode() {
            try {
                JsonNode node = JSON.readTree(body);
                return node.path("error").path("code").asText(null);
            } catch (IOException e) {
                return null;
            }
        }

        JsonNode json() {
            try {
                return JSON.readTree(body);
            } catch (IOException e) {
                throw new AssertionError("not JSON: " + body, e);
            }
        }

        @Override
        public String toString() {
            return status + " " + headers + " " + (body.length() > 300 ? body.substring(0, 300) + "..." : body);
        }
    }

    private RawHttp() {
    }

    static int port() {
        return RestAssured.port;
    }

    /** Sends {@code head} (request line and headers, without the blank line) and {@code body}; Connection: close. */
    static Answer send(String head, byte[] body) {
        return send(head.getBytes(StandardCharsets.UTF_8), body);
    }

    /** The same to the management interface (health, metrics). */
    static Answer sendManagement(String head) {
        return sendManagement(Management.port(), head);
    }

    static Answer sendManagement(int port, String head) {
        return send(port, head.getBytes(StandardCharsets.UTF_8), null);
    }

    static Answer send(byte[] head, byte[] body) {
        return send(port(), head, body);
    }

    static Answer send(int port, byte[] head, byte[] body) {
        try (Socket socket = new Socket("127.0.0.1", port)) {
            socket.setSoTimeout(30_000);
            try {
                OutputStream out = socket.getOutputStream();
                out.write(head);
                out.write("Host: localhost\r\nConnection: close\r\n".getBytes(StandardCharsets.US_ASCII));
                if (body != null) {
                    out.write(("Content-Length: " + body.length + "\r\n").getBytes(StandardCharsets.US_ASCII));
                }
                out.write("\r\n".getBytes(StandardCharsets.US_ASCII));
                if (body != null) {
                    out.write(body);
                }
                out.flush();
            } catch (IOException refusedEarly) {
                // The server may answer and close before it read all of a refused request (a 431 while the headers
                // are still coming, a 401 before the body): read its answer anyway.
            }
            return read(socket.getInputStream());
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    static Answer read(InputStream in) throws IOException {
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        byte[] buffer = new byte[8192];
        try {
            for (int n; (n = in.read(buffer)) >= 0; ) {
                all.write(buffer, 0, n);
            }
        } catch (IOException reset) {
            // A reset after the answer: keep what came.
        }
        String text = all.toString(StandardCharsets.UTF_8);
        int end = text.indexOf("\r\n\r\n");
        if (end < 0) {
            throw new IllegalStateException("No complete HTTP answer: [" + text + "]");
        }
        String[] lines = text.substring(0, end).split("\r\n");
        int status = Integer.parseInt(lines[0].split(" ")[1]);
        Map<String, String> headers = new LinkedHashMap<>();
        for (int i = 1; i < lines.length; i++) {
            int colon = lines[i].indexOf(':');
            headers.put(lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT), lines[i].substring(colon + 1).trim());
        }
        String body = text.substring(end + 4);
        if ("chunked".equalsIgnoreCase(headers.get("transfer-encoding"))) {
            body = dechunk(body);
        }
        return new Answer(status, headers, body);
    }

    private static String dechunk(String body) {
        StringBuilder out = new StringBuilder();
        int at = 0;
        while (at < body.length()) {
            int eol = body.indexOf("\r\n", at);
            if (eol < 0) {
                break;
            }
            int size = Integer.parseInt(body.substring(at, eol).trim().split(";")[0], 16);
            if (size == 0) {
                break;
            }
            out.append(body, eol + 2, Math.min(body.length(), eol + 2 + size));
            at = eol + 2 + size + 2;
        }
        return out.toString();
    }
}
