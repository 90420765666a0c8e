package io.fanout.broker;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import io.fanout.engine.EventLoop;
import io.fanout.engine.Frame;
import io.fanout.engine.FramePool;

/**
 * The topic registry of one loop: which of this loop's connections listen to which channel,
 * pattern or shard channel, and the fan-out of one message to them.
 *
 * <p>Threads: only its loop's thread. A message published on another loop arrives through
 * the loop's inbox and is delivered here, so no lock is ever taken on the fan-out path.
 *
 * <p>Fan-out of one message: for each wire form with subscribers, encode once, retain the
 * frame once for all of them, hand the same frame to each queue, drop the publisher's
 * reference. Connections are never closed here (a full queue is judged later in the turn).
 */
public final class TopicShard {
    /** Room given to a frame that starts a burst: fits ~90 small RESP messages. */
    private static final int BATCH_FRAME_BYTES = 8192;

    private final EventLoop loop;
    private final FramePool pool;
    private final WireForm[] forms;
    private final Map<TopicName, SubscriberList> channels = new HashMap<>();
    private final Map<TopicName, SubscriberList> shardChannels = new HashMap<>();
    private final Map<TopicName, SubscriberList> patterns = new HashMap<>();
    /** Patterns in a list too, because every publish walks them all (as Redis does). */
    private final List<TopicName> patternOrder = new ArrayList<>();
    private final Publication publication = new Publication();

    TopicShard(EventLoop loop, WireForm[] forms) {
        this.loop = loop;
        this.pool = loop.framePool();
        this.forms = forms;
    }

    public EventLoop loop() {
        return loop;
    }

    private Map<TopicName, SubscriberList> mapFor(TopicKind kind) {
        return switch (kind) {
            case CHANNEL -> channels;
            case SHARD -> shardChannels;
            case PATTERN -> patterns;
        };
    }

    /** Adds the subscription; returns true if this loop had no subscriber of the topic before. */
    boolean add(Subscription s) {
        Map<TopicName, SubscriberList> map = mapFor(s.kind);
        SubscriberList list = map.get(s.topic);
        boolean first = list == null;
        if (first) {
            list = new SubscriberList(forms.length);
            map.put(s.topic, list);
            if (s.kind == TopicKind.PATTERN) {
                patternOrder.add(s.topic);
            }
        }
        list.add(s);
        return first;
    }

    /** Removes the subscription; returns true if it was this loop's last one of the topic. */
    boolean remove(Subscription s) {
        Map<TopicName, SubscriberList> map = mapFor(s.kind);
        SubscriberList list = map.get(s.topic);
        if (list == null || s.slot < 0) {
            return false;
        }
        list.remove(s);
        if (list.total() == 0) {
            releaseBatches(list);
            map.remove(s.topic);
            if (s.kind == TopicKind.PATTERN) {
                patternOrder.remove(s.topic);
            }
            return true;
        }
        return false;
    }

    private void releaseBatches(SubscriberList list) {
        for (int f = 0; f < forms.length; f++) {
            if (list.batchFrame[f] != null) {
                list.batchFrame[f].release(pool);
                list.batchFrame[f] = null;
            }
        }
    }

    /** Subscribers on this loop of a channel or shard channel (patterns not included). */
    int localCount(TopicKind kind, TopicName topic) {
        SubscriberList list = mapFor(kind).get(topic);
        return list == null ? 0 : list.total();
    }

    /**
     * Delivers one message to this loop's subscribers and returns how many received it
     * (pattern subscribers count once per matching pattern, as in Redis).
     */
    int deliver(TopicKind kind, byte[] channel, ByteBuffer payload, Origin origin) {
        publication.set(kind, channel, payload, origin);
        int receivers = 0;
        try {
            SubscriberList direct = (kind == TopicKind.SHARD ? shardChannels : channels)
                    .get(new TopicName(channel));
            if (direct != null) {
                receivers += deliverTo(direct, null);
            }
            if (kind == TopicKind.CHANNEL && !patternOrder.isEmpty()) {
                receivers += deliverToPatterns(channel);
            }
        } finally {
            publication.clear();
        }
        loop.countDeliveries(receivers);
        return receivers;
    }

    /**
     * Delivers a message that came from another node to exactly one subscriber list: the
     * channel's (or shard channel's) when {@code pattern} is null, else that pattern's. Redis
     * sends a node one copy per matching subscription it holds, so each copy feeds only its
     * own list, and a subscriber of both the channel and a pattern gets both, as in Redis.
     */
    int deliverRelayed(TopicKind kind, byte[] channel, byte[] pattern, ByteBuffer payload) {
        publication.set(kind, channel, payload, Origin.CLUSTER);
        int receivers = 0;
        try {
            SubscriberList list = pattern != null ? patterns.get(new TopicName(pattern))
                    : (kind == TopicKind.SHARD ? shardChannels : channels).get(new TopicName(channel));
            if (list != null) {
                receivers = deliverTo(list, pattern);
            }
        } finally {
            publication.clear();
        }
        loop.countDeliveries(receivers);
        return receivers;
    }

    private int deliverToPatterns(byte[] channel) {
        int receivers = 0;
        for (int i = 0; i < patternOrder.size(); i++) {
            TopicName pattern = patternOrder.get(i);
            if (GlobPattern.matches(pattern.bytes(), channel)) {
                receivers += deliverTo(patterns.get(pattern), pattern.bytes());
            }
        }
        return receivers;
    }

    /**
     * One encode and one retain per wire form, then the same frame to every queue. When the
     * same subscribers got this form's previous message in this same turn and it is still
     * the last thing in each of their queues, the message is appended to that frame instead:
     * one buffer per subscriber per turn for a burst, not one per message, so the gathering
     * write carries one large buffer instead of many small ones.
     */
    private int deliverTo(SubscriberList list, byte[] pattern) {
        int delivered = 0;
        long turn = loop.turnNumber();
        // With trace on, one frame per message keeps the lesson's [ENQUEUE] line per delivery.
        boolean batching = !loop.traceEnabled();
        for (int f = 0; f < forms.length; f++) {
            int n = list.count(f);
            if (n == 0) {
                continue;
            }
            Subscription[] subs = list.subscribers(f);
            int bytes = forms[f].encodedLength(publication, pattern);
            Frame batch = currentBatch(list, f, turn);
            if (batch != null && batch.writableBytes() >= bytes && batch.tailHolders() == n
                    && list.batchVersion[f] == list.version) {
                // Every subscriber of this form still ends with this frame (the holders never
                // grow and membership is unchanged): append, and each queue counts it lazily.
                forms[f].writeTo(batch, publication, pattern);
                batch.countMessage();
                loop.onSharedTailGrown((long) bytes * n);
                if (loop.producerStallEnabled()) {
                    for (int i = 0; i < n; i++) {
                        loop.maybeStallProducerFor(subs[i].connection);
                    }
                }
            } else {
                // A second message in one turn suggests a burst: give the next ones room.
                Frame frame = pool.acquire(batch == null ? bytes : Math.max(bytes, BATCH_FRAME_BYTES));
                forms[f].writeTo(frame, publication, pattern);
                frame.countMessage();
                frame.retain(n);
                for (int i = 0; i < n; i++) {
                    subs[i].connection.send(frame);
                }
                if (!batching) {
                    frame.release(pool); // the encoder's reference
                } else {
                    keepAsBatch(list, f, turn, frame); // takes over the encoder's reference
                }
            }
            delivered += n;
        }
        return delivered;
    }

    /** The frame of this list and form from the current turn, or null (releasing a stale one). */
    private Frame currentBatch(SubscriberList list, int form, long turn) {
        Frame batch = list.batchFrame[form];
        if (batch != null && list.batchTurn[form] != turn) {
            list.batchFrame[form] = null;
            batch.release(pool);
            return null;
        }
        return batch;
    }

    private void keepAsBatch(SubscriberList list, int form, long turn, Frame frame) {
        Frame old = list.batchFrame[form];
        if (old != null) {
            old.release(pool);
        }
        list.batchFrame[form] = frame;
        list.batchTurn[form] = turn;
        list.batchVersion[form] = list.version;
    }

    /** Number of topics of the kind with a subscriber on this loop. */
    int topicCount(TopicKind kind) {
        return mapFor(kind).size();
    }
}
