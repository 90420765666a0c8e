package io.fanout.protocol.http;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import io.fanout.broker.Subscription;
import io.fanout.broker.TopicKind;
import io.fanout.broker.TopicName;
import io.fanout.engine.CloseReason;
import io.fanout.engine.Connection;
import io.fanout.engine.ConnectionHandler;

/**
 * One Server-Sent Events stream after its response head: subscribed to its channels and
 * patterns, it only receives. Every ping interval it sends a comment line ({@code : ping})
 * so proxies keep the stream and a dead peer shows up as a failed write or a backlog.
 * Bytes the client sends are read and ignored. Loop thread only.
 */
final class SseSession implements ConnectionHandler {
    private static final byte[] PING = ": ping\n\n".getBytes(StandardCharsets.US_ASCII);

    private final HttpProtocol protocol;
    private final List<Subscription> subscriptions = new ArrayList<>();
    private final boolean json;
    private long nextPingNanos;

    SseSession(HttpProtocol protocol, Connection c, boolean json) {
        this.protocol = protocol;
        this.json = json;
        this.nextPingNanos = c.loop().nowNanos() + protocol.settings.pingIntervalNanos();
    }

    /**
     * Subscribes within the broker's limits (--max-topics, --max-subscriptions).
     *
     * @throws io.fanout.broker.SubscriptionLimitException when a limit refuses it
     */
    void subscribe(Connection c, TopicKind kind, byte[] topic) {
        subscriptions.add(protocol.broker.trySubscribe(c, json ? protocol.sseJson : protocol.ssePlain, kind,
                new TopicName(topic)));
    }

    @Override
    public void onBytes(Connection c, ByteBuffer in) {
        in.position(in.limit()); // an event stream is one-way
    }

    @Override
    public void onHousekeeping(Connection c, long nowNanos) {
        long interval = protocol.settings.pingIntervalNanos();
        if (interval > 0 && nowNanos - nextPingNanos >= 0) {
            c.sendCopy(PING);
            nextPingNanos = nowNanos + interval;
        }
    }

    @Override
    public void onMessagesDropped(Connection c, long missed) {
        c.writeQueue().insertGapNotice(("event: dropped\ndata: {\"missed\":" + missed + "}\n\n")
                .getBytes(StandardCharsets.US_ASCII), missed, c.loop().nowNanos());
    }

    @Override
    public void onShutdown(Connection c) {
        c.sendCopy("event: close\ndata: server shutting down\n\n".getBytes(StandardCharsets.US_ASCII));
    }

    @Override
    public byte[] slowConsumerNotice(CloseReason reason) {
        return ("event: close\ndata: slow consumer: " + reason.label() + "\n\n").getBytes(StandardCharsets.US_ASCII);
    }

    @Override
    public void onClose(Connection c, CloseReason reason) {
        for (Subscription s : subscriptions) {
            protocol.broker.unsubscribe(s);
        }
        subscriptions.clear();
    }
}
