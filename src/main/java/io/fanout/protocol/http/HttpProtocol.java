package io.fanout.protocol.http;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.function.Supplier;

import io.fanout.broker.Broker;
import io.fanout.engine.Connection;
import io.fanout.engine.ConnectionHandler;
import io.fanout.engine.Protocol;
import io.fanout.protocol.ws.WsContext;

/**
 * The HTTP/1.1 listener ({@code --http-port}) for browsers and web backends: the live page,
 * WebSocket ({@code /ws}), Server-Sent Events ({@code /sse}), {@code POST /publish/<channel>}
 * and {@code /stats}. A connection starts as {@code http} and is relabelled {@code ws} or
 * {@code sse} when it upgrades. Holds what all sessions share; immutable.
 */
public final class HttpProtocol implements Protocol {
    public static final String NAME = "http";
    public static final String WS = "ws";
    public static final String SSE = "sse";
    private static final byte[] MAX_CLIENTS = HttpResponses.error(503, "max clients reached", null, false);

    final Broker broker;
    final HttpSettings settings;
    final WsContext ws;
    final SseWireForm ssePlain;
    final SseWireForm sseJson;
    final Supplier<String> stats;
    final StaticFiles files = new StaticFiles();
    final byte[] password;

    /**
     * @param stats the {@code /stats} JSON, computed on the loop thread of the request
     */
    public HttpProtocol(Broker broker, HttpSettings settings, WsContext ws, SseWireForm ssePlain,
                        SseWireForm sseJson, Supplier<String> stats) {
        this.broker = broker;
        this.settings = settings;
        this.ws = ws;
        this.ssePlain = ssePlain;
        this.sseJson = sseJson;
        this.stats = stats;
        this.password = settings.password() == null ? null : settings.password().getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public List<String> connectionLabels() {
        return List.of(NAME, WS, SSE);
    }

    @Override
    public ConnectionHandler open(Connection connection) {
        return new HttpSession(this, connection);
    }

    @Override
    public byte[] maxClientsReply() {
        return MAX_CLIENTS;
    }
}
