package io.fanout.protocol.http;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import io.fanout.server.FanoutServer;
import io.fanout.server.ServerConfig;
import io.fanout.server.WebConfig;
import io.fanout.testing.Await;

/**
 * An in-process server with every listener on a free port (line, RESP, HTTP), the JDK's
 * WebSocket client wired to a queue, and the leak check: {@link #close} waits until no
 * connection and no queued byte is left, then stops the server.
 */
final class WebServer implements AutoCloseable {
    final FanoutServer server;
    final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private WebServer(FanoutServer server) {
        this.server = server;
    }

    static WebServer start() throws IOException {
        return start(ServerConfig.forTests().withWeb(WebConfig.onFreePort()));
    }

    static WebServer start(ServerConfig config) throws IOException {
        return new WebServer(FanoutServer.start(config));
    }

    InetSocketAddress httpAddress() {
        return server.httpAddress();
    }

    URI uri(String pathAndQuery) {
        return URI.create("http://127.0.0.1:" + server.httpAddress().getPort() + pathAndQuery);
    }

    URI wsUri(String pathAndQuery) {
        return URI.create("ws://127.0.0.1:" + server.httpAddress().getPort() + pathAndQuery);
    }

    int clients(String label) {
        return server.engine().connectedClients(label);
    }

    void awaitClients(String label, int n) {
        Await.until(() -> clients(label) == n, Await.DEFAULT, () -> label + " clients == " + n + " (it is " + clients(label) + ")");
    }

    /** A JDK WebSocket whose received messages (text as String, binary as byte[]) land in a queue. */
    static final class Ws implements WebSocket.Listener {
        final BlockingQueue<Object> received = new LinkedBlockingQueue<>();
        final CompletableFuture<String> closed = new CompletableFuture<>();
        private final StringBuilder text = new StringBuilder();
        private final java.io.ByteArrayOutputStream binary = new java.io.ByteArrayOutputStream();
        WebSocket socket;

        @Override
        public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
            text.append(data);
            if (last) {
                received.add(text.toString());
                text.setLength(0);
            }
            ws.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onBinary(WebSocket ws, ByteBuffer data, boolean last) {
            byte[] b = new byte[data.remaining()];
            data.get(b);
            binary.writeBytes(b);
            if (last) {
                received.add(binary.toByteArray());
                binary.reset();
            }
            ws.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onClose(WebSocket ws, int statusCode, String reason) {
            closed.complete(statusCode + " " + reason);
            return null;
        }

        @Override
        public void onError(WebSocket ws, Throwable error) {
            closed.complete("error " + error);
        }

        Object next() throws InterruptedException {
            Object o = received.poll(10, TimeUnit.SECONDS);
            if (o == null) {
                throw new AssertionError("no WebSocket message within 10 s");
            }
            return o;
        }

        void send(String text) {
            socket.sendText(text, true).join();
        }

        void close() {
            if (!socket.isOutputClosed()) {
                socket.sendClose(WebSocket.NORMAL_CLOSURE, "bye").join();
            }
            socket.abort();
        }
    }

    /** One whole HTTP exchange on a fresh socket ({@code Connection: close}); returns the response. */
    Response request(String method, String target, String headers, byte[] body) throws IOException {
        try (java.net.Socket s = new java.net.Socket()) {
            s.setSoTimeout(10_000);
            s.connect(httpAddress(), 5_000);
            String head = method + " " + target + " HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n" + headers
                    + (body == null ? "" : "Content-Length: " + body.length + "\r\n") + "\r\n";
            s.getOutputStream().write(head.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
            if (body != null) {
                s.getOutputStream().write(body);
            }
            s.getOutputStream().flush();
            return Response.parse(s.getInputStream().readAllBytes());
        }
    }

    Response get(String target) throws IOException {
        return request("GET", target, "", null);
    }

    /** A parsed response: status, head text, body bytes. */
    record Response(int status, String head, byte[] body) {
        static Response parse(byte[] all) {
            String text = new String(all, java.nio.charset.StandardCharsets.ISO_8859_1);
            int end = text.indexOf("\r\n\r\n");
            if (end < 0) {
                throw new AssertionError("no complete response: " + text);
            }
            int status = Integer.parseInt(text.substring(9, 12));
            byte[] body = java.util.Arrays.copyOfRange(all, end + 4, all.length);
            return new Response(status, text.substring(0, end + 2), body);
        }

        String bodyText() {
            return new String(body, java.nio.charset.StandardCharsets.UTF_8);
        }

        /** The value of a response header, or null. */
        String header(String name) {
            for (String line : head.split("\r\n")) {
                int colon = line.indexOf(':');
                if (colon > 0 && line.substring(0, colon).equalsIgnoreCase(name)) {
                    return line.substring(colon + 1).trim();
                }
            }
            return null;
        }
    }

    Ws webSocket(String path, String... subprotocols) {
        Ws listener = new Ws();
        WebSocket.Builder b = http.newWebSocketBuilder();
        if (subprotocols.length > 0) {
            b.subprotocols(subprotocols[0], java.util.Arrays.copyOfRange(subprotocols, 1, subprotocols.length));
        }
        listener.socket = b.buildAsync(wsUri(path), listener).join();
        return listener;
    }

    @Override
    public void close() throws InterruptedException {
        try {
            Await.until(() -> server.engine().connectedClients() == 0, Await.DEFAULT,
                    () -> "no connection left behind (" + server.engine().connectedClients() + " open)");
            Await.until(() -> server.engine().totalPendingBytes() == 0, "no queued byte left behind");
        } finally {
            server.close();
        }
        if (!server.awaitTermination(2, TimeUnit.SECONDS)) {
            throw new AssertionError("event loops still running after close()");
        }
    }
}
