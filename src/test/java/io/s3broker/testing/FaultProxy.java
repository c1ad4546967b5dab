package io.s3broker.testing;

import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;

/**
 * A TCP proxy in front of the local gateway that the tests put between the broker and STS or S3 and break on purpose:
 * {@link #down()} cuts every connection and refuses new ones (the service is gone), {@link #up()} lets them through
 * again, and {@link #answer(Function)} answers some requests itself (a throttled STS, an S3 that says SlowDown)
 * instead of passing them on. It reads each request's head (and its body by Content-Length) to see where requests
 * begin, and copies everything else as it comes, so that uploads stream through it. Written for the tests because
 * it must reach into requests; thread per connection side, plain blocking sockets.
 */
public final class FaultProxy implements Closeable {

    /** A canned answer: the bytes of a whole HTTP response; the connection is closed after it. */
    public record Answer(int status, String reason, String contentType, String body) {

        byte[] bytes(boolean head) {
            byte[] content = body.getBytes(StandardCharsets.UTF_8);
            String text = "HTTP/1.1 " + status + " " + reason + "\r\nContent-Type: " + contentType + "\r\nContent-Length: "
                    + content.length + "\r\nConnection: close\r\n\r\n";
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            out.writeBytes(text.getBytes(StandardCharsets.US_ASCII));
            if (!head) {
                out.writeBytes(content);
            }
            return out.toByteArray();
        }
    }

    /** The head of one request, as a fault decides by it. */
    public record Request(String method, String target, String head) {
    }

    private final String upstreamHost;
    private final int upstreamPort;
    private final ServerSocket server;
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();
    private volatile boolean down;
    private volatile Function<Request, Answer> faults = request -> null;
    private final AtomicLong requests = new AtomicLong();
    private final AtomicLong answered = new AtomicLong();

    /** Listens on a free port of 127.0.0.1 and forwards to {@code upstream} (http://host:port). */
    public FaultProxy(String upstream) {
        URI uri = URI.create(upstream);
        this.upstreamHost = uri.getHost();
        this.upstreamPort = uri.getPort();
        try {
            server = new ServerSocket();
            server.setReuseAddress(true);
            server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        Thread acceptor = new Thread(this::accept, "fault-proxy-" + server.getLocalPort());
        acceptor.setDaemon(true);
        acceptor.start();
    }

    public String endpoint() {
        return "http://127.0.0.1:" + server.getLocalPort();
    }

    /** The service is gone: every connection is cut, new ones are accepted and closed at once. */
    public void down() {
        down = true;
        open.forEach(FaultProxy::closeQuietly);
    }

    public void up() {
        down = false;
    }

    /** Requests for which {@code fault} gives an answer get it instead of going on; null passes one on. */
    public void answer(Function<Request, Answer> fault) {
        this.faults = fault;
    }

    public void passEverything() {
        answer(request -> null);
    }

    /** Requests whose head the proxy read, answered by it or passed on. */
    public long requests() {
        return requests.get();
    }

    /** Requests the proxy answered itself. */
    public long answered() {
        return answered.get();
    }

    private void accept() {
        while (!server.isClosed()) {
            Socket client;
            try {
                client = server.accept();
            } catch (IOException closed) {
                return;
            }
            if (down) {
                closeQuietly(client);
                continue;
            }
            Thread thread = new Thread(() -> serve(client), "fault-proxy-conn");
            thread.setDaemon(true);
            thread.start();
        }
    }

    /** Reads the client's requests one by one; the upstream's answers are copied back by a second thread. */
    private void serve(Socket client) {
        open.add(client);
        Socket upstream = null;
        try (client) {
            InputStream in = client.getInputStream();
            OutputStream toClient = client.getOutputStream();
            while (true) {
                String head = readHead(in);
                if (head == null || down) {
                    return;
                }
                requests.incrementAndGet();
                String[] line = head.substring(0, head.indexOf("\r\n")).split(" ");
                Request request = new Request(line[0], line.length > 1 ? line[1] : "", head);
                Answer answer = faults.apply(request);
                if (answer != null) {
                    answered.incrementAndGet();
                    synchronized (toClient) {
                        toClient.write(answer.bytes(request.method().equals("HEAD")));
                        toClient.flush();
                    }
                    return;
                }
                if (upstream == null) {
                    upstream = new Socket(upstreamHost, upstreamPort);
                    open.add(upstream);
                    Socket from = upstream;
                    Thread back = new Thread(() -> copy(from, client, toClient), "fault-proxy-back");
                    back.setDaemon(true);
                    back.start();
                }
                OutputStream toUpstream = upstream.getOutputStream();
                toUpstream.write(head.getBytes(StandardCharsets.ISO_8859_1));
                long length = contentLength(head);
                byte[] buffer = new byte[1 << 16];
                while (length > 0) {
                    int n = in.read(buffer, 0, (int) Math.min(buffer.length, length));
                    if (n < 0 || down) {
                        return;
                    }
                    toUpstream.write(buffer, 0, n);
                    length -= n;
                }
                toUpstream.flush();
            }
        } catch (IOException cut) {
            // a side went away, or down() cut it
        } finally {
            open.remove(client);
            if (upstream != null) {
                open.remove(upstream);
                closeQuietly(upstream);
            }
        }
    }

    private void copy(Socket from, Socket to, OutputStream out) {
        byte[] buffer = new byte[1 << 16];
        try {
            InputStream in = from.getInputStream();
            for (int n; (n = in.read(buffer)) >= 0; ) {
                if (down) {
                    break;
                }
                synchronized (out) {
                    out.write(buffer, 0, n);
                    out.flush();
                }
            }
        } catch (IOException cut) {
            // closed
        } finally {
            closeQuietly(to);
        }
    }

    /** The request line and headers, up to and with the blank line; null at the end of the stream. */
    private static String readHead(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int matched = 0;
        for (int c; (c = in.read()) >= 0; ) {
            head.write(c);
            matched = (c == '\r' && (matched == 0 || matched == 2)) || (c == '\n' && (matched == 1 || matched == 3))
                    ? matched + 1 : 0;
            if (matched == 4) {
                return head.toString(StandardCharsets.ISO_8859_1);
            }
        }
        return null;
    }

    private static long contentLength(String head) throws IOException {
        for (String line : head.split("\r\n")) {
            String lower = line.toLowerCase(Locale.ROOT);
            if (lower.startsWith("content-length:")) {
                return Long.parseLong(line.substring(line.indexOf(':') + 1).trim());
            }
            if (lower.startsWith("transfer-encoding:") && lower.contains("chunked")) {
                throw new IOException("the fault proxy does not follow chunked request bodies: " + head);
            }
        }
        return 0;
    }

    private static void closeQuietly(Socket socket) {
        try {
            socket.close();
        } catch (IOException ignored) {
            // already closed
        }
    }

    @Override
    public void close() {
        try {
            server.close();
        } catch (IOException ignored) {
            // closed
        }
        down();
    }
}
