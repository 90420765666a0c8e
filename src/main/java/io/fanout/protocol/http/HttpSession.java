package io.fanout.protocol.http;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.List;
import java.util.Locale;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.fanout.broker.Origin;
import io.fanout.broker.SubscriptionLimitException;
import io.fanout.broker.TopicKind;
import io.fanout.broker.TopicName;
import io.fanout.engine.CloseReason;
import io.fanout.engine.Connection;
import io.fanout.engine.ConnectionHandler;
import io.fanout.protocol.ws.WsHandshake;
import io.fanout.protocol.ws.WsSession;

/**
 * One HTTP connection: reads requests, answers plain ones (keep-alive), and hands the
 * connection over to a {@link WsSession} or {@link SseSession} when it upgrades.
 *
 * <pre>
 *   HEAD --complete--> route --plain answer--> HEAD (keep-alive) | closed
 *   HEAD --POST--> BODY --Content-Length bytes--> publish, answer --> HEAD
 *   HEAD --/ws 101--> UPGRADED(ws) ;  HEAD --/sse 200--> UPGRADED(sse)
 * </pre>
 * Timers (housekeeping, once a second): a request head must be complete within the request
 * timeout of the connection's open or the previous answer (slow headers get 408 and a
 * close; an idle keep-alive just closes), and a body must keep arriving (no byte for that
 * long: 408). After an upgrade the upgraded handler gets every hook. Loop thread only.
 */
final class HttpSession implements ConnectionHandler {
    private static final Logger LOG = LoggerFactory.getLogger("fanout.http");

    private enum State { HEAD, BODY, UPGRADED }

    private static final byte[] CONTINUE = "HTTP/1.1 100 Continue\r\n\r\n".getBytes(StandardCharsets.US_ASCII);

    private final HttpProtocol protocol;
    private final HttpRequestDecoder decoder = new HttpRequestDecoder(HttpSettings.MAX_REQUEST_LINE_BYTES,
            HttpSettings.MAX_HEAD_BYTES, HttpSettings.MAX_HEADERS);
    private State state = State.HEAD;
    private ConnectionHandler upgraded;
    /** When the current wait began: the open, the last answer, or the last body byte. */
    private long waitSinceNanos;
    private HttpRequest bodyRequest;
    private byte[] bodyChannel;
    private int bodyLength;

    HttpSession(HttpProtocol protocol, Connection c) {
        this.protocol = protocol;
        this.waitSinceNanos = c.loop().nowNanos();
    }

    @Override
    public void onBytes(Connection c, ByteBuffer in) {
        while (c.isOpen() && (in.hasRemaining() || (state == State.BODY && bodyLength == 0))) {
            if (state == State.UPGRADED) {
                upgraded.onBytes(c, in);
                return;
            }
            if (state == State.BODY) {
                waitSinceNanos = c.loop().nowNanos();
                if (in.remaining() < bodyLength) {
                    return;
                }
                finishPublish(c, in);
                continue;
            }
            HttpRequest request = decoder.next(in);
            if (request == null) {
                if (decoder.failed()) {
                    in.position(in.limit());
                    int status = decoder.errorStatus();
                    refuse(c, status, decoder.errorMessage(), CloseReason.PROTOCOL_ERROR);
                }
                return;
            }
            in.position(in.position() + decoder.consumedBytes());
            route(c, request);
        }
    }

    // ---- routing ----------------------------------------------------------------------

    private void route(Connection c, HttpRequest r) {
        String rawPath = r.rawPath();
        String path = Urls.decodeToString(rawPath, false);
        if (path == null) {
            refuse(c, 400, "malformed percent-encoding in the path", CloseReason.PROTOCOL_ERROR);
            return;
        }
        if (r.header("Transfer-Encoding") != null) {
            refuse(c, 411, "chunked bodies are not supported: send Content-Length", CloseReason.PROTOCOL_ERROR);
            return;
        }
        if (rawPath.equals("/ws") || rawPath.startsWith("/ws/")) {
            webSocket(c, r, rawPath);
        } else if (rawPath.equals("/sse") || rawPath.startsWith("/sse/")) {
            serverSentEvents(c, r, rawPath);
        } else if (rawPath.startsWith("/publish/")) {
            startPublish(c, r, rawPath);
        } else if (path.equals("/stats")) {
            stats(c, r);
        } else {
            staticFile(c, r, path);
        }
    }

    private boolean isGetOrHead(HttpRequest r) {
        return r.method().equals("GET") || r.method().equals("HEAD");
    }

    private void staticFile(Connection c, HttpRequest r, String path) {
        StaticFiles.File f = protocol.files.get(path);
        if (f == null) {
            answerError(c, r, 404, "not found");
            return;
        }
        if (!isGetOrHead(r)) {
            answer(c, r, HttpResponses.error(405, "use GET", "Allow: GET, HEAD\r\n", r.keepAlive()));
            return;
        }
        String cache = "Cache-Control: no-cache\r\nETag: " + f.etag() + "\r\n";
        String ifNoneMatch = r.header("If-None-Match");
        if (ifNoneMatch != null && (ifNoneMatch.contains(f.etag()) || ifNoneMatch.trim().equals("*"))) {
            answer(c, r, HttpResponses.response(304, null, new byte[0], cache, r.keepAlive(), true));
            return;
        }
        answer(c, r, HttpResponses.response(200, f.contentType(), f.body(), cache, r.keepAlive(),
                r.method().equals("HEAD")));
    }

    private void stats(Connection c, HttpRequest r) {
        if (!isGetOrHead(r)) {
            answer(c, r, HttpResponses.error(405, "use GET", "Allow: GET, HEAD\r\n", r.keepAlive()));
            return;
        }
        if (!authorized(c, r)) {
            return;
        }
        byte[] body = protocol.stats.get().getBytes(StandardCharsets.UTF_8);
        answer(c, r, HttpResponses.response(200, "application/json", body, "Cache-Control: no-store\r\n",
                r.keepAlive(), r.method().equals("HEAD")));
    }

    // ---- POST /publish/<channel> ------------------------------------------------------

    private void startPublish(Connection c, HttpRequest r, String rawPath) {
        if (!r.method().equals("POST")) {
            answer(c, r, HttpResponses.error(405, "use POST", "Allow: POST\r\n", r.keepAlive()));
            return;
        }
        if (!authorized(c, r)) {
            return;
        }
        byte[] channel = Urls.decode(rawPath.substring("/publish/".length()), false);
        if (channel == null || channel.length == 0) {
            refuse(c, 400, "POST /publish/<channel>: the channel is missing or malformed", CloseReason.PROTOCOL_ERROR);
            return;
        }
        String lengthText = r.header("Content-Length");
        if (lengthText == null) {
            refuse(c, 411, "Content-Length required", CloseReason.PROTOCOL_ERROR);
            return;
        }
        long length;
        try {
            length = Long.parseLong(lengthText.trim());
        } catch (NumberFormatException e) {
            length = -1;
        }
        if (length < 0 || r.headers("Content-Length").size() > 1) {
            refuse(c, 400, "malformed Content-Length", CloseReason.PROTOCOL_ERROR);
            return;
        }
        if (length > protocol.settings.maxMessageBytes()) {
            refuse(c, 413, "body larger than --max-message (" + protocol.settings.maxMessageBytes() + " bytes)",
                    CloseReason.MESSAGE_TOO_LONG);
            return;
        }
        String expect = r.header("Expect");
        if (expect != null && expect.trim().equalsIgnoreCase("100-continue")) {
            // curl sends this for bodies over 1 KiB and waits a second unless told to go on.
            c.sendCopy(CONTINUE);
        }
        state = State.BODY;
        bodyRequest = r;
        bodyChannel = channel;
        bodyLength = (int) length;
        waitSinceNanos = c.loop().nowNanos();
    }

    /** The whole body is in [position, position+bodyLength): publish it straight from there. */
    private void finishPublish(Connection c, ByteBuffer in) {
        int start = in.position();
        int savedLimit = in.limit();
        in.limit(start + bodyLength);
        int receivers;
        try {
            receivers = protocol.broker.publish(c.loop(), TopicKind.CHANNEL, bodyChannel, in, Origin.LOCAL);
        } finally {
            in.limit(savedLimit).position(start + bodyLength);
        }
        HttpRequest r = bodyRequest;
        state = State.HEAD;
        bodyRequest = null;
        bodyChannel = null;
        byte[] body = ("{\"receivers\":" + receivers + "}\n").getBytes(StandardCharsets.US_ASCII);
        answer(c, r, HttpResponses.response(200, "application/json", body, null, r.keepAlive(), false));
    }

    // ---- WebSocket --------------------------------------------------------------------

    private void webSocket(Connection c, HttpRequest r, String rawPath) {
        if (!r.method().equals("GET")) {
            answer(c, r, HttpResponses.error(405, "WebSocket handshakes use GET", "Allow: GET\r\n", false));
            return;
        }
        byte[] channel = null;
        if (rawPath.startsWith("/ws/")) {
            channel = Urls.decode(rawPath.substring(4), false);
            if (channel == null || channel.length == 0) {
                refuse(c, 400, "GET /ws/<channel>: the channel is missing or malformed", CloseReason.PROTOCOL_ERROR);
                return;
            }
        }
        if (!authorized(c, r) || !originAllowed(c, r)) {
            return;
        }
        String problem = WsHandshake.problem(r.method(), r.version(), r.header("Upgrade"), r.header("Connection"),
                r.header("Sec-WebSocket-Version"), r.header("Sec-WebSocket-Key"));
        if (problem != null) {
            boolean versionOnly = r.header("Sec-WebSocket-Version") != null
                    && !WsHandshake.isVersionOk(r.header("Sec-WebSocket-Version"));
            if (versionOnly) {
                refuse(c, 426, problem, "Sec-WebSocket-Version: 13\r\n", CloseReason.PROTOCOL_ERROR);
            } else {
                refuse(c, 400, problem, null, CloseReason.PROTOCOL_ERROR);
            }
            return;
        }
        String offered = String.join(",", r.headers("Sec-WebSocket-Protocol"));
        String selected = null;
        if (channel == null && !offered.isBlank()) {
            if (!WsHandshake.hasToken(offered, "fanout.json")) {
                refuse(c, 400, "GET /ws speaks the subprotocol fanout.json only", CloseReason.PROTOCOL_ERROR);
                return;
            }
            selected = "fanout.json";
        }
        String head = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                + "Sec-WebSocket-Accept: " + WsHandshake.acceptKey(r.header("Sec-WebSocket-Key")) + "\r\n"
                + (selected == null ? "" : "Sec-WebSocket-Protocol: " + selected + "\r\n") + "\r\n";
        c.sendCopy(head.getBytes(StandardCharsets.ISO_8859_1));
        c.setProtocolLabel(HttpProtocol.WS);
        LOG.info("[UPGRADE]   conn={} proto=ws path={}", c.id(), rawPath);
        upgraded = channel == null ? WsSession.json(protocol.ws, c)
                : WsSession.raw(protocol.ws, c, new TopicName(channel));
        state = State.UPGRADED;
    }

    private boolean originAllowed(Connection c, HttpRequest r) {
        var allowed = protocol.settings.allowedOrigins();
        String origin = r.header("Origin");
        if (allowed == null || origin == null) {
            return true; // any origin; or not a browser (browsers always send Origin on WebSocket)
        }
        String o = origin.trim().toLowerCase(Locale.ROOT);
        if (o.endsWith("/")) {
            o = o.substring(0, o.length() - 1);
        }
        if (allowed.contains(o)) {
            return true;
        }
        refuse(c, 403, "origin not allowed", CloseReason.AUTH_FAILED);
        return false;
    }

    // ---- Server-Sent Events -----------------------------------------------------------

    private void serverSentEvents(Connection c, HttpRequest r, String rawPath) {
        if (!r.method().equals("GET")) {
            answer(c, r, HttpResponses.error(405, "event streams use GET", "Allow: GET\r\n", r.keepAlive()));
            return;
        }
        if (!authorized(c, r)) {
            return;
        }
        List<Urls.Param> params = Urls.query(r.rawQuery());
        if (params == null) {
            refuse(c, 400, "malformed query", CloseReason.PROTOCOL_ERROR);
            return;
        }
        SseSession sse = subscribeEvents(c, rawPath, params);
        if (sse == null) {
            return; // refused, with the reason
        }
        String head = "HTTP/1.1 200 OK\r\nServer: fanout\r\nContent-Type: text/event-stream; charset=utf-8\r\n"
                + "Cache-Control: no-cache\r\nX-Accel-Buffering: no\r\n"
                + (r.version().equals("HTTP/1.0") ? "Connection: close\r\n" : "") + "\r\n: ok\n\n";
        c.sendCopy(head.getBytes(StandardCharsets.ISO_8859_1));
        c.setProtocolLabel(HttpProtocol.SSE);
        LOG.info("[UPGRADE]   conn={} proto=sse path={}", c.id(), rawPath);
        upgraded = sse;
        state = State.UPGRADED;
    }

    /**
     * The event stream's subscriptions from {@code /sse/<channel>} or the query's
     * {@code channel=} and {@code pattern=}; null after refusing the request (nothing
     * subscribed then).
     */
    private SseSession subscribeEvents(Connection c, String rawPath, List<Urls.Param> params) {
        SseSession sse;
        try {
            if (rawPath.startsWith("/sse/")) {
                byte[] channel = Urls.decode(rawPath.substring(5), false);
                if (channel == null || channel.length == 0) {
                    refuse(c, 400, "GET /sse/<channel>: the channel is missing or malformed",
                            CloseReason.PROTOCOL_ERROR);
                    return null;
                }
                sse = new SseSession(protocol, c, false);
                sse.subscribe(c, TopicKind.CHANNEL, channel);
                return sse;
            }
            sse = new SseSession(protocol, c, true);
        } catch (SubscriptionLimitException e) {
            refuse(c, 503, e.getMessage(), CloseReason.PROTOCOL_ERROR);
            return null;
        }
        int topics = 0;
        try {
            for (Urls.Param p : params) {
                boolean isChannel = p.name().equals("channel");
                if ((isChannel || p.name().equals("pattern")) && p.value().length > 0) {
                    sse.subscribe(c, isChannel ? TopicKind.CHANNEL : TopicKind.PATTERN, p.value());
                    topics++;
                }
            }
        } catch (SubscriptionLimitException e) {
            sse.onClose(c, CloseReason.PROTOCOL_ERROR); // undoes what was subscribed
            refuse(c, 503, e.getMessage(), CloseReason.PROTOCOL_ERROR);
            return null;
        }
        if (topics == 0) {
            sse.onClose(c, CloseReason.PROTOCOL_ERROR);
            refuse(c, 400, "GET /sse needs ?channel=<name> or ?pattern=<glob> (or use /sse/<channel>)",
                    CloseReason.PROTOCOL_ERROR);
            return null;
        }
        return sse;
    }

    // ---- auth and answers -------------------------------------------------------------

    /** With --requirepass: {@code ?token=} or {@code Authorization: Bearer}; else 401 and close. */
    private boolean authorized(Connection c, HttpRequest r) {
        if (protocol.password == null) {
            return true;
        }
        byte[] given = null;
        String auth = r.header("Authorization");
        if (auth != null && auth.regionMatches(true, 0, "Bearer ", 0, 7)) {
            given = auth.substring(7).trim().getBytes(StandardCharsets.UTF_8);
        } else {
            List<Urls.Param> params = Urls.query(r.rawQuery());
            if (params != null) {
                for (Urls.Param p : params) {
                    if (p.name().equals("token")) {
                        given = p.value();
                    }
                }
            }
        }
        if (given != null && MessageDigest.isEqual(given, protocol.password)) {
            return true;
        }
        refuse(c, 401, given == null ? "authentication required: ?token=<password> or Authorization: Bearer"
                : "invalid token", "WWW-Authenticate: Bearer realm=\"fanout\"\r\n", CloseReason.AUTH_FAILED);
        return false;
    }

    /** A plain answer: keep the connection for the next request, or close after the bytes. */
    private void answer(Connection c, HttpRequest r, byte[] response) {
        c.sendCopy(response);
        waitSinceNanos = c.loop().nowNanos();
        if (!r.keepAlive()) {
            c.closeAfterFlush(CloseReason.CLIENT_CLOSED);
        }
    }

    private void answerError(Connection c, HttpRequest r, int status, String message) {
        answer(c, r, HttpResponses.error(status, message, null, r.keepAlive()));
    }

    private void refuse(Connection c, int status, String message, CloseReason reason) {
        refuse(c, status, message, null, reason);
    }

    /** An error after which the connection closes (framing, auth, limits). */
    private void refuse(Connection c, int status, String message, String extraHeaders, CloseReason reason) {
        c.sendCopy(HttpResponses.error(status, message, extraHeaders, false));
        c.closeAfterFlush(reason);
    }

    // ---- engine hooks -----------------------------------------------------------------

    @Override
    public void onHousekeeping(Connection c, long nowNanos) {
        if (state == State.UPGRADED) {
            upgraded.onHousekeeping(c, nowNanos);
            return;
        }
        if (nowNanos - waitSinceNanos < protocol.settings.requestTimeoutNanos() || !c.writeQueue().isEmpty()) {
            return; // (an answer still being written is not the client's delay)
        }
        if (state == State.BODY || decoder.inProgress() || c.bytesRead() == 0) {
            refuse(c, 408, state == State.BODY ? "request body timed out" : "request timed out",
                    CloseReason.REQUEST_TIMEOUT);
        } else {
            c.close(CloseReason.REQUEST_TIMEOUT); // an idle keep-alive: nothing to answer
        }
    }

    @Override
    public void onShutdown(Connection c) {
        if (upgraded != null) {
            upgraded.onShutdown(c);
        }
    }

    @Override
    public void onMessagesDropped(Connection c, long missed) {
        if (upgraded != null) {
            upgraded.onMessagesDropped(c, missed);
        }
    }

    @Override
    public byte[] slowConsumerNotice(CloseReason reason) {
        return upgraded == null ? null : upgraded.slowConsumerNotice(reason);
    }

    @Override
    public void onClose(Connection c, CloseReason reason) {
        if (upgraded != null) {
            upgraded.onClose(c, reason);
        }
    }
}
