package io.fanout.protocol.resp;

import java.nio.ByteBuffer;
import java.util.List;

import io.fanout.broker.Origin;
import io.fanout.broker.Subscription;
import io.fanout.broker.SubscriptionLimit;
import io.fanout.broker.SubscriptionLimitException;
import io.fanout.broker.SubscriptionSet;
import io.fanout.broker.TopicKind;
import io.fanout.broker.TopicName;

/**
 * One RESP client's subscriptions (channels, patterns, shard channels) and the commands that
 * change them or publish: (P|S)SUBSCRIBE, (P|S)UNSUBSCRIBE, PUBLISH, SPUBLISH, with Redis 7's
 * replies. One per {@link RespSession}; the static methods are the {@link CommandHandler}s of
 * {@link CommandTable}.
 *
 * <p>Threads: the session's loop thread; CLIENT LIST on other loops reads the counts racily.
 */
final class PubSubCommands {
    private final RespProtocol protocol;
    private final RespSession session;
    private final SubscriptionSet channels = new SubscriptionSet();
    private final SubscriptionSet patterns = new SubscriptionSet();
    private final SubscriptionSet shardChannels = new SubscriptionSet();
    /**
     * The channel of the last PUBLISH, reused while a client publishes to the same channel
     * (the usual case) instead of a new copy per message. Never written after creation:
     * the broker and other loops may still hold it.
     */
    private byte[] lastPublishedChannel;

    PubSubCommands(RespProtocol protocol, RespSession session) {
        this.protocol = protocol;
        this.session = session;
    }

    // ---- handlers ---------------------------------------------------------------------

    static void subscribe(RespSession s, CommandSpec spec, RespArgs args, RespWriter out) {
        s.pubSub().subscribe(TopicKind.CHANNEL, args, out);
    }

    static void psubscribe(RespSession s, CommandSpec spec, RespArgs args, RespWriter out) {
        s.pubSub().subscribe(TopicKind.PATTERN, args, out);
    }

    static void ssubscribe(RespSession s, CommandSpec spec, RespArgs args, RespWriter out) {
        s.pubSub().subscribe(TopicKind.SHARD, args, out);
    }

    static void unsubscribe(RespSession s, CommandSpec spec, RespArgs args, RespWriter out) {
        s.pubSub().unsubscribe(TopicKind.CHANNEL, args, out);
    }

    static void punsubscribe(RespSession s, CommandSpec spec, RespArgs args, RespWriter out) {
        s.pubSub().unsubscribe(TopicKind.PATTERN, args, out);
    }

    static void sunsubscribe(RespSession s, CommandSpec spec, RespArgs args, RespWriter out) {
        s.pubSub().unsubscribe(TopicKind.SHARD, args, out);
    }

    static void publish(RespSession s, CommandSpec spec, RespArgs args, RespWriter out) {
        s.pubSub().publish(TopicKind.CHANNEL, args, out);
    }

    static void spublish(RespSession s, CommandSpec spec, RespArgs args, RespWriter out) {
        s.pubSub().publish(TopicKind.SHARD, args, out);
    }

    // ---- counts (CLIENT LIST, the RESP2 subscribed mode, --timeout) --------------------

    int channelCount() {
        return channels.size();
    }

    int patternCount() {
        return patterns.size();
    }

    int shardCount() {
        return shardChannels.size();
    }

    boolean isEmpty() {
        return channels.isEmpty() && patterns.isEmpty() && shardChannels.isEmpty();
    }

    // ---- commands -----------------------------------------------------------------------

    /** The hot path: no String, no boxing; the payload is a window on the input buffer. */
    void publish(TopicKind kind, RespArgs args, RespWriter out) {
        byte[] channel = lastPublishedChannel;
        if (channel == null || !args.contentEquals(1, channel)) {
            channel = args.copy(1);
            lastPublishedChannel = channel;
        }
        ByteBuffer payload = args.openWindow(2);
        int receivers;
        try {
            receivers = protocol.broker.publish(session.connection().loop(), kind, channel, payload, Origin.LOCAL);
        } finally {
            args.closeWindow();
        }
        out.integer(receivers);
    }

    private SubscriptionSet setFor(TopicKind kind) {
        return switch (kind) {
            case CHANNEL -> channels;
            case PATTERN -> patterns;
            case SHARD -> shardChannels;
        };
    }

    private RespWireForm form() {
        return session.protocolVersion() == 3 ? protocol.resp3 : protocol.resp2;
    }

    /** Redis counts channels and patterns together; shard channels on their own. */
    private int subscriptionCount(TopicKind kind) {
        return kind == TopicKind.SHARD ? shardChannels.size() : channels.size() + patterns.size();
    }

    private static String verb(TopicKind kind, boolean subscribe) {
        String base = subscribe ? "subscribe" : "unsubscribe";
        return switch (kind) {
            case CHANNEL -> base;
            case PATTERN -> "p" + base;
            case SHARD -> "s" + base;
        };
    }

    /**
     * One reply per channel, as Redis. The limits are checked per channel: a SUBSCRIBE that
     * would pass --max-subscriptions-per-client (or the server's --max-topics /
     * --max-subscriptions) subscribes the channels that fit and answers an error in place of
     * each subscribe reply that did not, so a client that counts replies stays in step.
     */
    void subscribe(TopicKind kind, RespArgs args, RespWriter out) {
        SubscriptionSet set = setFor(kind);
        String verb = verb(kind, true);
        int proto = session.protocolVersion();
        for (int i = 1; i < args.count(); i++) {
            TopicName topic = new TopicName(args.copy(i));
            if (set.get(topic) == null) {
                if (totalSubscriptions() >= protocol.maxSubscriptionsPerClient) {
                    protocol.broker.countRefused(SubscriptionLimit.CLIENT);
                    out.error(protocol.maxSubscriptionsPerClientError);
                    continue;
                }
                try {
                    set.add(protocol.broker.trySubscribe(session.connection(), form(), kind, topic));
                } catch (SubscriptionLimitException e) {
                    out.error(e.getMessage());
                    continue;
                }
            }
            out.pushHeader(3, proto).bulk(verb).bulk(topic.bytes()).integer(subscriptionCount(kind));
        }
    }

    private int totalSubscriptions() {
        return channels.size() + patterns.size() + shardChannels.size();
    }

    void unsubscribe(TopicKind kind, RespArgs args, RespWriter out) {
        SubscriptionSet set = setFor(kind);
        String verb = verb(kind, false);
        int proto = session.protocolVersion();
        if (args.count() == 1) {
            if (set.isEmpty()) {
                out.pushHeader(3, proto).bulk(verb).nullBulk(proto).integer(subscriptionCount(kind));
                return;
            }
            for (Subscription s : set.toArray()) {
                set.remove(s.topic());
                protocol.broker.unsubscribe(s);
                out.pushHeader(3, proto).bulk(verb).bulk(s.topic().bytes()).integer(subscriptionCount(kind));
            }
            return;
        }
        for (int i = 1; i < args.count(); i++) {
            TopicName topic = new TopicName(args.copy(i));
            Subscription s = set.remove(topic);
            if (s != null) {
                protocol.broker.unsubscribe(s);
            }
            out.pushHeader(3, proto).bulk(verb).bulk(topic.bytes()).integer(subscriptionCount(kind));
        }
    }

    /** RESET and close: every subscription goes. */
    void dropAll() {
        for (SubscriptionSet set : List.of(channels, patterns, shardChannels)) {
            for (Subscription s : set.toArray()) {
                set.remove(s.topic());
                protocol.broker.unsubscribe(s);
            }
        }
    }

    /**
     * HELLO changed the protocol: messages must now arrive in the other wire form. The new
     * subscription is made before the old one goes, so the topic never looks unsubscribed.
     */
    void resubscribeWithCurrentForm() {
        for (SubscriptionSet set : List.of(channels, patterns, shardChannels)) {
            for (Subscription old : set.toArray()) {
                Subscription next = protocol.broker.subscribe(session.connection(), form(), old.kind(), old.topic());
                set.replace(old, next);
                protocol.broker.unsubscribe(old);
            }
        }
    }
}
