package io.fanout.broker;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLongArray;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.fanout.engine.Connection;
import io.fanout.engine.EventLoop;

/**
 * Topics for every protocol: one registry shard per loop plus a directory of counts shared
 * by all loops.
 *
 * <p>A publish on loop A delivers to A's subscribers at once and copies the message into A's
 * {@link CrossLoopOutbox} for each other loop that has a receiver for it; after the turn's
 * reads the outbox posts one batch per such loop — once per message per loop, never per
 * client, and one hand-off per turn. Each loop's inbox is FIFO, so one publisher's messages
 * reach every subscriber in publish order.
 *
 * <p>Threads: {@link #subscribe}, {@link #unsubscribe} and {@link #publish} run on the loop
 * that owns the connection (or that publishes); queries may run on any thread.
 */
public final class Broker {
    private static final Logger LOG = LoggerFactory.getLogger("fanout.broker");

    private final EventLoop[] loops;
    private final TopicShard[] shards;
    private final WireForm[] forms;
    private final SubscriptionDirectory directory;
    /** Per publishing loop, its messages for the other loops this turn (null with one loop). */
    private final CrossLoopOutbox[] outboxes;
    /** The cluster link, or null on a single node; set once before the loops start. */
    private volatile Relay relay;
    /** Limits of {@link #trySubscribe}: distinct topics, and subscriptions of all clients together. */
    private final int maxTopics;
    private final int maxSubscriptions;
    private final SubscriptionLimitException topicsFull;
    private final SubscriptionLimitException subscriptionsFull;
    private final AtomicInteger subscriptions = new AtomicInteger();
    /** Refusals per {@link SubscriptionLimit}, for metrics. */
    private final AtomicLongArray refused = new AtomicLongArray(SubscriptionLimit.values().length);

    /** A broker without subscription limits. */
    public Broker(List<EventLoop> loops, List<WireForm> forms) {
        this(loops, forms, Integer.MAX_VALUE, Integer.MAX_VALUE);
    }

    /**
     * @param maxTopics        distinct channels, patterns and shard channels (all kinds together)
     *                         {@link #trySubscribe} may create
     * @param maxSubscriptions subscriptions of all connections together past which
     *                         {@link #trySubscribe} refuses
     */
    public Broker(List<EventLoop> loops, List<WireForm> forms, int maxTopics, int maxSubscriptions) {
        this.maxTopics = maxTopics;
        this.maxSubscriptions = maxSubscriptions;
        this.topicsFull = new SubscriptionLimitException("ERR max topics reached (" + maxTopics + ")");
        this.subscriptionsFull = new SubscriptionLimitException(
                "ERR max subscriptions reached (" + maxSubscriptions + ")");
        this.loops = loops.toArray(new EventLoop[0]);
        this.forms = forms.toArray(new WireForm[0]);
        for (int i = 0; i < this.forms.length; i++) {
            if (this.forms[i].index() != i) {
                throw new IllegalArgumentException("wire form " + i + " has index " + this.forms[i].index());
            }
        }
        this.shards = new TopicShard[this.loops.length];
        for (int i = 0; i < this.loops.length; i++) {
            shards[this.loops[i].index()] = new TopicShard(this.loops[i], this.forms);
        }
        this.directory = new SubscriptionDirectory(this.loops.length);
        this.outboxes = new CrossLoopOutbox[this.loops.length];
        if (this.loops.length > 1) {
            for (EventLoop loop : this.loops) {
                CrossLoopOutbox outbox = new CrossLoopOutbox(this.loops, shards);
                outboxes[loop.index()] = outbox;
                loop.setTurnHook(outbox::handOver);
            }
        }
    }

    /**
     * Subscribes on the connection's loop, whatever the limits (a line client's one channel,
     * a RESP client switching wire form); the caller keeps the subscription to undo it.
     */
    public Subscription subscribe(Connection c, WireForm form, TopicKind kind, TopicName topic) {
        TopicShard shard = shards[c.loop().index()];
        Subscription s = new Subscription(c, form, kind, shard.canonical(kind, topic));
        shard.add(s);
        subscriptions.incrementAndGet();
        maybeReportInterest(kind, topic, true, directory.change(kind, topic, c.loop().index(), +1));
        return s;
    }

    /**
     * Subscribes like {@link #subscribe} unless that would exceed the broker's limits.
     *
     * @throws SubscriptionLimitException if the topic is new and {@code maxTopics} exist, or
     *                                    {@code maxSubscriptions} are in place; nothing changed
     */
    public Subscription trySubscribe(Connection c, WireForm form, TopicKind kind, TopicName topic) {
        if (subscriptions.incrementAndGet() > maxSubscriptions) {
            subscriptions.decrementAndGet();
            countRefused(SubscriptionLimit.SUBSCRIPTIONS);
            throw subscriptionsFull;
        }
        TopicShard shard = shards[c.loop().index()];
        int total = directory.tryChange(kind, topic, c.loop().index(), +1, maxTopics);
        if (total == SubscriptionDirectory.REFUSED) {
            subscriptions.decrementAndGet();
            countRefused(SubscriptionLimit.TOPICS);
            throw topicsFull;
        }
        Subscription s = new Subscription(c, form, kind, shard.canonical(kind, topic));
        shard.add(s);
        maybeReportInterest(kind, topic, true, total);
        return s;
    }

    public void unsubscribe(Subscription s) {
        if (s.slot < 0) {
            return;
        }
        shards[s.connection.loop().index()].remove(s);
        subscriptions.decrementAndGet();
        maybeReportInterest(s.kind, s.topic, false, directory.change(s.kind, s.topic, s.connection.loop().index(), -1));
    }

    /**
     * Tells the cluster relay when a topic's subscribers across all loops went 0 to 1 (it
     * subscribes in Redis) or 1 to 0 (it unsubscribes); {@code total} is the count after the
     * change, {@code added} its direction. The directory's compute is atomic, so exactly one caller sees each edge.
     */
    private void maybeReportInterest(TopicKind kind, TopicName topic, boolean added, int total) {
        Relay r = relay;
        if (r != null && total == (added ? 1 : 0)) {
            r.interestChanged(kind, topic, added);
        }
    }

    /**
     * Publishes on {@code from}'s thread and returns the number of receivers, counting
     * those on other loops from the directory (they receive it when their loop next turns).
     *
     * @param payload read window of the message; not kept beyond this call
     */
    public int publish(EventLoop from, TopicKind kind, byte[] channel, ByteBuffer payload, Origin origin) {
        from.fanOut().countPublished(); // once per message, on the loop where it was published
        if (origin == Origin.LOCAL) {
            Relay r = relay;
            if (r != null) {
                r.relay(kind, channel, payload); // copies; the window is untouched
            }
        }
        int receivers = shards[from.index()].deliver(kind, channel, payload, origin);
        if (loops.length > 1) {
            receivers += publishToOtherLoops(from, kind, channel, payload, origin);
        }
        if (LOG.isDebugEnabled()) {
            LOG.debug("[BROADCAST] msg_len={} recipients={}", payload.remaining(), receivers);
        }
        return receivers;
    }

    private int publishToOtherLoops(EventLoop from, TopicKind kind, byte[] channel, ByteBuffer payload,
                                    Origin origin) {
        TopicName name = null;
        int receivers = 0;
        for (EventLoop loop : loops) {
            if (loop == from) {
                continue;
            }
            if (name == null) {
                name = new TopicName(channel);
            }
            TopicKind direct = kind == TopicKind.SHARD ? TopicKind.SHARD : TopicKind.CHANNEL;
            int n = directory.count(direct, name, loop.index());
            if (kind == TopicKind.CHANNEL) {
                n += directory.patternReceivers(channel, loop.index());
            }
            if (n == 0) {
                continue;
            }
            receivers += n;
            outboxes[from.index()].add(loop.index(), kind, channel, payload, origin);
        }
        return receivers;
    }

    /** Attaches the cluster link; call before the loops start (or never, on a single node). */
    public void attachRelay(Relay r) {
        this.relay = r;
    }

    /** Subscribers of a topic on one loop (any kind; a pattern counts its own subscribers). */
    public int subscriberCount(TopicKind kind, TopicName topic, EventLoop loop) {
        return directory.count(kind, topic, loop.index());
    }

    /**
     * Delivers a message relayed by another node to {@code loop}'s subscribers of one list
     * (the channel's when {@code pattern} is null, else the pattern's), with
     * {@link Origin#CLUSTER}, so it is never relayed again. Runs on {@code loop}'s thread:
     * the link posts it there with {@link EventLoop#execute}, once per message per loop.
     */
    public int deliverFromCluster(EventLoop loop, TopicKind kind, byte[] channel, byte[] pattern, ByteBuffer payload) {
        int receivers = shards[loop.index()].deliverRelayed(kind, channel, pattern, payload);
        if (LOG.isDebugEnabled()) {
            LOG.debug("[BROADCAST] msg_len={} recipients={} origin=cluster", payload.remaining(), receivers);
        }
        return receivers;
    }

    /** Topics of a kind with subscribers, optionally filtered by a glob (PUBSUB CHANNELS). */
    public List<TopicName> topics(TopicKind kind, byte[] glob) {
        return directory.topics(kind, glob);
    }

    /** Subscribers of one channel or shard channel across loops (PUBSUB NUMSUB). */
    public int subscriberCount(TopicKind kind, TopicName topic) {
        return directory.total(kind, topic);
    }

    /** Topics of a kind with at least one subscriber, without listing them. */
    public int topicCount(TopicKind kind) {
        return directory.distinctTopics(kind);
    }

    /** Counts a subscription refused by {@code limit} (protocols count their per-client limit here). */
    public void countRefused(SubscriptionLimit limit) {
        refused.incrementAndGet(limit.ordinal());
    }

    /** Subscriptions refused by {@code limit} since start. */
    public long refusedCount(SubscriptionLimit limit) {
        return refused.get(limit.ordinal());
    }

    /** Subscriptions of every connection and kind together. */
    public int subscriptionCount() {
        return subscriptions.get();
    }

    /** Distinct channels, patterns and shard channels together (what --max-topics limits). */
    public int distinctTopicCount() {
        return directory.distinctTopics();
    }

    /** Distinct patterns with at least one subscriber (PUBSUB NUMPAT, as in Redis 7). */
    public int patternCount() {
        return directory.distinctTopics(TopicKind.PATTERN);
    }
}
