package io.fanout.protocol.ws;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

import io.fanout.broker.Origin;
import io.fanout.broker.Subscription;
import io.fanout.broker.SubscriptionLimitException;
import io.fanout.broker.TopicKind;
import io.fanout.broker.TopicName;
import io.fanout.engine.CloseReason;
import io.fanout.engine.Connection;
import io.fanout.engine.ConnectionHandler;

/**
 * One WebSocket connection after its handshake, in one of two modes:
 * <ul>
 *   <li><b>raw</b> ({@code /ws/<channel>}): subscribed to one channel; every message the
 *       client sends (text or binary) is published to it as is;</li>
 *   <li><b>json</b> ({@code /ws}, subprotocol {@code fanout.json}): JSON commands in text
 *       frames subscribe, unsubscribe and publish; see docs/PROTOCOL.md for the schema.</li>
 * </ul>
 * Keepalive: every ping interval the server sends a ping; a peer that sends nothing at all
 * (no pong, no frame) for a whole interval after a ping is closed with {@code ping-timeout}.
 *
 * <pre>
 *   OPEN --peer close--> reply close, flush, CLOSED
 *   OPEN --rule broken--> close frame (1002/1007/1008/1009), flush, CLOSED
 *   OPEN --slow consumer--> (engine) close frame 1013 "slow consumer: rule", CLOSED
 * </pre>
 * Loop thread only.
 */
public final class WsSession implements ConnectionHandler, WsFrameDecoder.Listener {
    /** Channels plus patterns one fanout.json socket may hold: a bound on what a client can make us keep. */
    public static final int MAX_SUBSCRIPTIONS = 10_000;
    private static final byte[] BINARY_COMMAND =
            WsFrames.textFrame("{\"event\":\"error\",\"error\":\"commands are JSON text frames\"}");

    private final WsContext context;
    private final Connection connection;
    private final WsFrameDecoder decoder;
    /** The raw mode's channel, or null in json mode. */
    private final TopicName rawChannel;
    private Subscription rawSubscription;
    private final Map<TopicName, Subscription> channels;
    private final Map<TopicName, Subscription> patterns;
    private long lastHeardNanos;
    private long pingSentNanos;
    private long nextPingNanos;
    private boolean closeSent;

    private WsSession(WsContext context, Connection c, TopicName rawChannel) {
        this.context = context;
        this.connection = c;
        this.rawChannel = rawChannel;
        this.decoder = new WsFrameDecoder(context.maxMessageBytes());
        boolean json = rawChannel == null;
        this.channels = json ? new HashMap<>() : null;
        this.patterns = json ? new HashMap<>() : null;
        long now = c.loop().nowNanos();
        this.lastHeardNanos = now;
        this.nextPingNanos = now + context.pingIntervalNanos();
    }

    /** A raw-mode session, subscribed to {@code channel} at once. */
    public static WsSession raw(WsContext context, Connection c, TopicName channel) {
        WsSession s = new WsSession(context, c, channel);
        s.rawSubscription = context.broker().subscribe(c, context.rawForm(), TopicKind.CHANNEL, channel);
        return s;
    }

    /** A json-mode session with no subscription yet. */
    public static WsSession json(WsContext context, Connection c) {
        return new WsSession(context, c, null);
    }

    public boolean isJson() {
        return rawChannel == null;
    }

    @Override
    public void onBytes(Connection c, ByteBuffer in) {
        lastHeardNanos = c.loop().nowNanos();
        int result = decoder.decode(in, this);
        if (result > 0) {
            in.position(in.limit()); // framing is lost: nothing after the bad frame is read
            closeWith(result, decoder.errorReason(),
                    result == WsFrames.CLOSE_TOO_BIG ? CloseReason.MESSAGE_TOO_LONG : CloseReason.PROTOCOL_ERROR);
        } else if (result == WsFrameDecoder.CLOSED) {
            in.position(in.limit()); // RFC 6455 §5.5.1: no data after a close
        }
    }

    // ---- frames from the decoder ------------------------------------------------------

    @Override
    public void onMessage(boolean text, ByteBuffer payload) {
        if (!connection.isOpen()) {
            decoder.stop();
            return;
        }
        if (rawChannel != null) {
            context.broker().publish(connection.loop(), TopicKind.CHANNEL, rawChannel.bytes(), payload, Origin.LOCAL);
        } else if (!text) {
            connection.sendCopy(BINARY_COMMAND);
        } else {
            byte[] b = new byte[payload.remaining()];
            payload.get(payload.position(), b);
            command(new String(b, StandardCharsets.UTF_8));
        }
    }

    @Override
    public void onPing(ByteBuffer payload) {
        connection.sendCopy(WsFrames.pong(payload));
    }

    @Override
    public void onPong(ByteBuffer payload) {
        // Any frame proves the peer is alive; lastHeardNanos is already set.
    }

    @Override
    public void onClose(int code, String reason) {
        if (!closeSent) {
            closeSent = true;
            connection.sendCopy(code == WsFrames.CLOSE_NO_STATUS ? WsFrames.closeEmpty() : WsFrames.close(code, ""));
        }
        connection.closeAfterFlush(CloseReason.CLIENT_CLOSED);
    }

    private void closeWith(int code, String reason, CloseReason closeReason) {
        if (!closeSent) {
            closeSent = true;
            connection.sendCopy(WsFrames.close(code, reason));
        }
        connection.closeAfterFlush(closeReason);
    }

    // ---- fanout.json commands ---------------------------------------------------------

    private void command(String text) {
        JsonCommand cmd;
        try {
            cmd = JsonCommand.parse(text);
        } catch (JsonCommand.JsonException e) {
            reply("{\"event\":\"error\",\"error\":" + JsonEnvelope.quote("bad command: " + e.getMessage()) + "}");
            return;
        }
        switch (cmd.op()) {
            case "subscribe" -> change(cmd, TopicKind.CHANNEL, cmd.channel(), true);
            case "unsubscribe" -> change(cmd, TopicKind.CHANNEL, cmd.channel(), false);
            case "psubscribe" -> change(cmd, TopicKind.PATTERN, cmd.pattern(), true);
            case "punsubscribe" -> change(cmd, TopicKind.PATTERN, cmd.pattern(), false);
            case "publish" -> publish(cmd);
            default -> error("unknown op " + JsonEnvelope.quote(cmd.op())
                    + " (subscribe, unsubscribe, psubscribe, punsubscribe, publish)");
        }
    }

    private void change(JsonCommand cmd, TopicKind kind, String name, boolean subscribe) {
        String field = kind == TopicKind.PATTERN ? "pattern" : "channel";
        if (name == null || name.isEmpty()) {
            error("\"" + cmd.op() + "\" needs a non-empty \"" + field + "\"");
            return;
        }
        Map<TopicName, Subscription> map = kind == TopicKind.PATTERN ? patterns : channels;
        TopicName topic = TopicName.of(name);
        if (subscribe && !map.containsKey(topic)) {
            if (channels.size() + patterns.size() >= MAX_SUBSCRIPTIONS) {
                error("too many subscriptions on one socket (max " + MAX_SUBSCRIPTIONS + ")");
                return;
            }
            try {
                map.put(topic, context.broker().trySubscribe(connection, context.jsonForm(), kind, topic));
            } catch (SubscriptionLimitException e) { // --max-topics or --max-subscriptions
                error(e.getMessage());
                return;
            }
        } else if (!subscribe) {
            Subscription s = map.remove(topic);
            if (s != null) {
                context.broker().unsubscribe(s);
            }
        }
        reply("{\"event\":\"" + cmd.op() + "d\",\"" + field + "\":" + JsonEnvelope.quote(name) + "}");
    }

    private void publish(JsonCommand cmd) {
        if (cmd.channel() == null || cmd.channel().isEmpty() || cmd.data() == null) {
            error("\"publish\" needs \"channel\" and \"data\" (or \"data64\")");
            return;
        }
        int receivers = context.broker().publish(connection.loop(), TopicKind.CHANNEL,
                cmd.channel().getBytes(StandardCharsets.UTF_8), ByteBuffer.wrap(cmd.data()), Origin.LOCAL);
        reply("{\"event\":\"published\",\"channel\":" + JsonEnvelope.quote(cmd.channel())
                + ",\"receivers\":" + receivers + "}");
    }

    private void error(String message) {
        reply("{\"event\":\"error\",\"error\":" + JsonEnvelope.quote(message) + "}");
    }

    private void reply(String json) {
        connection.sendCopy(WsFrames.textFrame(json));
    }

    // ---- engine hooks -----------------------------------------------------------------

    /** Keepalive: ping on the interval; a peer silent for a whole interval after one is gone. */
    @Override
    public void onHousekeeping(Connection c, long nowNanos) {
        long interval = context.pingIntervalNanos();
        if (interval <= 0 || closeSent) {
            return;
        }
        if (pingSentNanos != 0) {
            if (lastHeardNanos >= pingSentNanos) {
                pingSentNanos = 0;
            } else if (nowNanos - pingSentNanos >= interval) {
                c.close(CloseReason.PING_TIMEOUT);
                return;
            }
        }
        if (pingSentNanos == 0 && nowNanos - nextPingNanos >= 0) {
            c.sendCopy(WsFrames.PING);
            pingSentNanos = nowNanos;
            nextPingNanos = nowNanos + interval;
        }
    }

    /** Drop-oldest: json clients are told where the gap is; raw clients cannot be (see PROTOCOL.md). */
    @Override
    public void onMessagesDropped(Connection c, long missed) {
        if (isJson()) {
            c.writeQueue().insertGapNotice(WsFrames.textFrame("{\"event\":\"dropped\",\"missed\":" + missed + "}"),
                    missed, c.loop().nowNanos());
        }
    }

    /** The server is stopping: say so (1001 going away) behind what is still queued. */
    @Override
    public void onShutdown(Connection c) {
        if (!closeSent) {
            closeSent = true;
            c.sendCopy(WsFrames.close(WsFrames.CLOSE_GOING_AWAY, "server shutting down"));
        }
    }

    @Override
    public byte[] slowConsumerNotice(CloseReason reason) {
        if (closeSent) {
            return null;
        }
        closeSent = true;
        return WsFrames.close(WsFrames.CLOSE_TRY_AGAIN_LATER, "slow consumer: " + reason.label());
    }

    @Override
    public void onClose(Connection c, CloseReason reason) {
        if (rawSubscription != null) {
            context.broker().unsubscribe(rawSubscription);
            rawSubscription = null;
        }
        if (channels != null) {
            channels.values().forEach(context.broker()::unsubscribe);
            patterns.values().forEach(context.broker()::unsubscribe);
            channels.clear();
            patterns.clear();
        }
    }
}
