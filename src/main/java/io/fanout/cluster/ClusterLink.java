package io.fanout.cluster;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.fanout.broker.Broker;
import io.fanout.broker.Relay;
import io.fanout.broker.TopicKind;
import io.fanout.broker.TopicName;
import io.fanout.engine.EventLoop;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.pubsub.api.async.RedisPubSubAsyncCommands;

/**
 * This node's link to the other nodes through Redis Pub/Sub: what local clients publish is
 * relayed to Redis once, and what other nodes (or plain Redis clients) publish on the
 * prefixed channels is delivered to local subscribers.
 *
 * <pre>
 *  loops ──relay()──► outbound queue (bounded, bytes) ──► link thread ──PUBLISH/SPUBLISH──► Redis
 *  loops ──interestChanged()──► same queue ──► link thread ──(P|S)SUBSCRIBE / UN-──► Redis
 *  Redis ──message──► Lettuce I/O thread ──► strip prefix, skip own echo ──► EventLoop.execute
 * </pre>
 *
 * <p>Threads: {@link #relay} and {@link #interestChanged} run on event loops and only copy
 * and enqueue (never block: a full queue drops and counts). The link thread
 * ({@code fanout-cluster}) owns the subscription state and issues every Redis command
 * (Lettuce's async API; commands on one connection keep their order, so one publisher's
 * messages stay in order). Lettuce's I/O threads run {@link Inbound} and post each message
 * to the loops that have receivers for it, once per loop.
 *
 * <p>Lifecycle: {@link #start} returns at once; the link thread connects with backoff and
 * jitter until Redis answers, then Lettuce reconnects on its own (same backoff) and the link
 * resubscribes everything local clients hold. {@link #close} stops all of it.
 */
public final class ClusterLink implements Relay, AutoCloseable {
    static final Logger LOG = LoggerFactory.getLogger("fanout.cluster");
    private static final long DROP_LOG_INTERVAL_NANOS = 5_000_000_000L;
    /** PUBLISHes written before one flush of the relay connection. */
    private static final int FLUSH_BATCH = 256;

    final ClusterConfig config;
    final Broker broker;
    private final EventLoop[] loops;
    final long nodeId = ThreadLocalRandom.current().nextLong();
    private final byte[] prefix;
    private final byte[] patternPrefix;
    final ClusterStats stats = new ClusterStats();
    final LinkedBlockingQueue<Object> work = new LinkedBlockingQueue<>();
    /** Subscriptions local clients want in Redis; link thread only. */
    final Set<SubKey> wanted = new HashSet<>();
    private final long epochMicrosAtStart = System.currentTimeMillis() * 1000;
    private final long nanosAtStart = System.nanoTime();
    private final AtomicLong lastDropLogNanos = new AtomicLong(System.nanoTime() - DROP_LOG_INTERVAL_NANOS);
    private final Thread thread;
    private volatile boolean running = true;
    private volatile RedisBackplane backplane;

    /** A local message waiting for its turn on the link thread. */
    record Outbound(TopicKind kind, byte[] redisChannel, byte[] envelope, int accountedBytes) {
    }

    /** A change of interest waiting for the link thread. */
    private record Interest(TopicKind kind, TopicName topic) {
    }

    private ClusterLink(ClusterConfig config, Broker broker, List<EventLoop> loops) {
        this.config = config;
        this.broker = broker;
        this.loops = loops.toArray(new EventLoop[0]);
        this.prefix = config.prefix().getBytes(StandardCharsets.UTF_8);
        this.patternPrefix = escapeGlob(prefix);
        this.thread = new Thread(this::run, "fanout-cluster");
        this.thread.setDaemon(true);
    }

    /** Creates the link, attaches it to the broker and starts connecting in the background. */
    public static ClusterLink start(ClusterConfig config, Broker broker, List<EventLoop> loops) {
        ClusterLink link = new ClusterLink(config, broker, loops);
        broker.attachRelay(link);
        LOG.info("[CLUSTER]   node={} redis={} mode={} prefix={}", link.nodeIdHex(), config.uri().redacted(),
                config.uri().isRedisCluster() ? "redis-cluster (sharded)" : "standalone", config.prefix());
        link.thread.start();
        return link;
    }

    public ClusterStats stats() {
        return stats;
    }

    public String nodeIdHex() {
        return String.format("%016x", nodeId);
    }

    /** True when Redis has confirmed the subscription this node needs for a local topic. */
    public boolean holdsInRedis(TopicKind kind, String topic) {
        RedisBackplane b = backplane;
        return b != null && b.confirmed(keyFor(kind, TopicName.of(topic)));
    }

    /**
     * Redis Cluster: true while some other node announced pattern subscribers, so channel
     * messages also go out as classic PUBLISH copies (docs/SCALING.md). Always true otherwise.
     */
    public boolean sendsPatternCopies() {
        RedisBackplane b = backplane;
        return !(b instanceof ShardedBackplane s) || s.sendsPatternCopies();
    }

    // ---- called on event loops: copy, enqueue, return ---------------------------------

    @Override
    public void interestChanged(TopicKind kind, TopicName topic, boolean interested) {
        work.offer(new Interest(kind, topic));
    }

    @Override
    public void relay(TopicKind kind, byte[] channel, ByteBuffer payload) {
        if (backplane == null) {
            // Not connected yet (start-up, Redis unreachable): queueing would only deliver
            // stale messages later, and a node that cannot reach Redis must not fill memory.
            stats.countNotRelayed(ClusterStats.NotRelayed.LINK_DOWN);
            maybeLogDrop(ClusterStats.NotRelayed.LINK_DOWN);
            return;
        }
        int bytes = payload.remaining() + Envelope.HEADER_BYTES + prefix.length + channel.length;
        if (stats.queuedBytes.addAndGet(bytes) > config.queueBytes()) {
            stats.queuedBytes.addAndGet(-bytes);
            stats.countNotRelayed(ClusterStats.NotRelayed.QUEUE_FULL);
            maybeLogDrop(ClusterStats.NotRelayed.QUEUE_FULL);
            return;
        }
        byte[] envelope = Envelope.wrap(nodeId, kind, nowMicros(), payload);
        work.offer(new Outbound(kind, concat(prefix, channel), envelope, bytes));
    }

    long nowMicros() {
        return epochMicrosAtStart + (System.nanoTime() - nanosAtStart) / 1000;
    }

    /** At most one line per interval, with the running total: a flood must not flood the log. */
    void maybeLogDrop(ClusterStats.NotRelayed reason) {
        long now = System.nanoTime();
        long last = lastDropLogNanos.get();
        if (now - last >= DROP_LOG_INTERVAL_NANOS && lastDropLogNanos.compareAndSet(last, now)) {
            LOG.warn("[CLUSTER]   not relayed reason={} total={} (queued_bytes={} limit={})", reason.label(),
                    stats.notRelayed(reason), stats.queuedBytes(), config.queueBytes());
        }
    }

    // ---- the link thread ------------------------------------------------------------------

    private void run() {
        backplane = connectWithBackoff();
        if (backplane == null) {
            return;
        }
        stats.linkUp = backplane.allUp(); // only now: relay() publishes from here on
        LOG.info("[CLUSTER]   connected redis={}", config.uri().redacted());
        long nextTickNanos = System.nanoTime();
        int unflushed = 0;
        while (running) {
            try {
                // Block only when nothing was written since the last flush.
                Object item = unflushed == 0 ? work.poll(100, TimeUnit.MILLISECONDS) : work.poll();
                if (item instanceof Outbound m) {
                    stats.queuedBytes.addAndGet(-m.accountedBytes());
                    backplane.publish(m);
                    unflushed++;
                } else if (item instanceof Interest i) {
                    onInterest(i.kind(), i.topic());
                } else if (item instanceof Runnable r) {
                    r.run();
                }
                // One write (and syscall) per batch of PUBLISHes, not one per message: the
                // queue's FIFO order is the connection's order either way.
                if (unflushed > 0 && (item == null || unflushed >= FLUSH_BATCH)) {
                    backplane.flush();
                    unflushed = 0;
                }
                if (System.nanoTime() - nextTickNanos >= 0) {
                    backplane.tick();
                    nextTickNanos = System.nanoTime() + 250_000_000L;
                }
            } catch (InterruptedException e) {
                break;
            } catch (RuntimeException e) {
                LOG.warn("[CLUSTER]   link thread error: {}", e.toString());
            }
        }
    }

    /** Tries until Redis answers: full-jitter exponential backoff, 100 ms doubling to 5 s. */
    private RedisBackplane connectWithBackoff() {
        long ceilingMillis = 100;
        int attempt = 0;
        while (running) {
            try {
                RedisBackplane b = config.uri().isRedisCluster() ? new ShardedBackplane(this) : new StandaloneBackplane(this);
                b.connect();
                return b;
            } catch (RuntimeException e) {
                attempt++;
                if (attempt == 1 || attempt % 10 == 0) {
                    LOG.warn("[CLUSTER]   cannot connect redis={} attempt={}: {} (retrying with backoff)",
                            config.uri().redacted(), attempt, rootMessage(e));
                }
                try {
                    Thread.sleep(ThreadLocalRandom.current().nextLong(ceilingMillis / 2, ceilingMillis + 1));
                } catch (InterruptedException ie) {
                    return null;
                }
                ceilingMillis = Math.min(5_000, ceilingMillis * 2);
            }
        }
        return null;
    }

    static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t.getMessage() == null ? t.toString() : t.getMessage();
    }

    private void onInterest(TopicKind kind, TopicName topic) {
        SubKey key = keyFor(kind, topic);
        boolean want = wantedNow(key, kind, topic);
        if (want == wanted.contains(key)) {
            return;
        }
        if (want) {
            wanted.add(key);
            backplane.subscribe(key);
        } else {
            wanted.remove(key);
            backplane.unsubscribe(key);
        }
        stats.redisSubscriptions = wanted.size();
    }

    /** Re-reads the directory: interest calls from several loops may arrive out of order. */
    private boolean wantedNow(SubKey key, TopicKind kind, TopicName topic) {
        if (key.type() == SubKey.Type.SHARD && config.uri().isRedisCluster()) {
            // With Redis Cluster, channels and shard channels share one shard channel in Redis.
            return broker.subscriberCount(TopicKind.CHANNEL, topic) + broker.subscriberCount(TopicKind.SHARD, topic) > 0;
        }
        return broker.subscriberCount(kind, topic) > 0;
    }

    /** The Redis subscription a local topic needs. */
    SubKey keyFor(TopicKind kind, TopicName topic) {
        return switch (kind) {
            case CHANNEL -> new SubKey(config.uri().isRedisCluster() ? SubKey.Type.SHARD : SubKey.Type.CHANNEL,
                    new TopicName(concat(prefix, topic.bytes())));
            case SHARD -> new SubKey(SubKey.Type.SHARD, new TopicName(concat(prefix, topic.bytes())));
            case PATTERN -> new SubKey(SubKey.Type.PATTERN, new TopicName(concat(patternPrefix, topic.bytes())));
        };
    }

    /** Runs {@code task} on the link thread (from Lettuce callbacks). */
    void post(Runnable task) {
        work.offer(task);
    }

    // ---- inbound, on Lettuce I/O threads ----------------------------------------------------

    /**
     * One message from Redis. {@code via} says which subscription brought it: a channel, a
     * pattern ({@code redisPattern} set) or a shard channel. Each copy Redis sends feeds only
     * the local list of the subscription that brought it, so nothing is delivered twice.
     */
    void onInbound(SubKey.Type via, byte[] redisChannel, byte[] redisPattern, byte[] message) {
        if (!startsWith(redisChannel, prefix)) {
            return;
        }
        byte[] channel = java.util.Arrays.copyOfRange(redisChannel, prefix.length, redisChannel.length);
        byte[] pattern = null;
        if (redisPattern != null) {
            if (!startsWith(redisPattern, patternPrefix)) {
                return;
            }
            pattern = java.util.Arrays.copyOfRange(redisPattern, patternPrefix.length, redisPattern.length);
        }
        int offset = 0;
        TopicKind kind;
        boolean plainShardInCluster = false;
        if (Envelope.isEnvelope(message)) {
            if (Envelope.nodeId(message) == nodeId) {
                stats.echoesSkipped.increment();
                return;
            }
            long lagMicros = nowMicros() - Envelope.publishedMicros(message);
            stats.lagSeconds.observe(Math.max(0, lagMicros) / 1e6);
            kind = Envelope.kind(message);
            offset = Envelope.HEADER_BYTES;
        } else {
            kind = via == SubKey.Type.SHARD ? TopicKind.SHARD : TopicKind.CHANNEL;
            plainShardInCluster = via == SubKey.Type.SHARD && config.uri().isRedisCluster();
        }
        if (pattern != null) {
            kind = TopicKind.CHANNEL; // patterns match channels only, as in Redis
        }
        stats.relayedIn.increment();
        dispatch(kind, channel, pattern, message, offset);
        if (plainShardInCluster) {
            // With Redis Cluster a plain SPUBLISH fanout:x is meant for x's subscribers of both kinds.
            dispatch(TopicKind.CHANNEL, channel, null, message, offset);
        }
    }

    private void dispatch(TopicKind kind, byte[] channel, byte[] pattern, byte[] message, int offset) {
        TopicName counted = new TopicName(pattern != null ? pattern : channel);
        TopicKind countedKind = pattern != null ? TopicKind.PATTERN : kind;
        for (EventLoop loop : loops) {
            if (broker.subscriberCount(countedKind, counted, loop) == 0) {
                continue;
            }
            int bytes = message.length - offset;
            if (stats.inboundBytes.addAndGet(bytes) > config.inboundBytes()) {
                stats.inboundBytes.addAndGet(-bytes);
                stats.countNotRelayed(ClusterStats.NotRelayed.INBOUND_BACKLOG);
                maybeLogDrop(ClusterStats.NotRelayed.INBOUND_BACKLOG);
                continue;
            }
            loop.execute(new InboundDelivery(broker, loop, kind, channel, pattern, message, offset, stats));
        }
    }

    /** Subscribes or unsubscribes one key on a pub/sub connection; the future reports failures. */
    static RedisFuture<Void> command(RedisPubSubAsyncCommands<byte[], byte[]> c, SubKey.Type type, boolean subscribe,
                                     byte[]... names) {
        return switch (type) {
            case CHANNEL -> subscribe ? c.subscribe(names) : c.unsubscribe(names);
            case PATTERN -> subscribe ? c.psubscribe(names) : c.punsubscribe(names);
            case SHARD -> subscribe ? c.ssubscribe(names) : c.sunsubscribe(names);
        };
    }

    /** Logs the resubscription after a reconnect: what local clients hold, by family. */
    static void logResubscribed(String where, int channels, int patterns, int shardChannels) {
        LOG.info("[CLUSTER]   resubscribed redis={} channels={} patterns={} shard_channels={}", where, channels,
                patterns, shardChannels);
    }

    /** Keys of {@link #wanted} of one family (link thread). */
    List<byte[]> wantedNames(SubKey.Type type) {
        List<byte[]> out = new ArrayList<>();
        for (SubKey k : wanted) {
            if (k.type() == type) {
                out.add(k.redisName().bytes());
            }
        }
        return out;
    }

    static boolean startsWith(byte[] a, byte[] p) {
        if (a.length < p.length) {
            return false;
        }
        for (int i = 0; i < p.length; i++) {
            if (a[i] != p[i]) {
                return false;
            }
        }
        return true;
    }

    static byte[] concat(byte[] a, byte[] b) {
        byte[] out = new byte[a.length + b.length];
        System.arraycopy(a, 0, out, 0, a.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    /** The prefix as a glob that matches itself literally (a prefix may contain * or ?). */
    static byte[] escapeGlob(byte[] p) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        for (byte b : p) {
            if (b == '*' || b == '?' || b == '[' || b == ']' || b == '\\') {
                out.write('\\');
            }
            out.write(b);
        }
        return out.toByteArray();
    }

    /** Lettuce's connection watcher tells us about the link; every change is one log line. */
    void onConnectionLost(String where) {
        if (stats.linkUp) {
            stats.linkUp = false;
        }
        stats.linkLost.increment();
        LOG.warn("[CLUSTER]   lost redis={} (local delivery continues; reconnecting with backoff)", where);
    }

    void onConnectionRestored(String where) {
        stats.reconnects.increment();
        LOG.info("[CLUSTER]   connected redis={} (reconnected)", where);
    }

    /** Stops the link thread and closes every Redis connection; idempotent. */
    @Override
    public void close() {
        if (!running) {
            return;
        }
        running = false;
        broker.attachRelay(null);
        thread.interrupt();
        try {
            thread.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        RedisBackplane b = backplane;
        if (b != null) {
            b.close();
        }
        stats.linkUp = false;
    }

    boolean running() {
        return running;
    }

    /** True once the first connection is made (the link thread has its backplane). */
    boolean connected() {
        return backplane != null;
    }
}
