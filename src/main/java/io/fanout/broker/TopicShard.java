package io.fanout.broker;

import java.nio.ByteBuffer;
import java.util.Arrays;

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
    /*
     * Each table files, per topic, either the Subscription itself (the topic's only
     * subscriber on this loop, the common case when clients subscribe to many channels of
     * their own) or a SubscriberList. A lone subscription becomes a list when a second one
     * joins or when the topic gets its first message (the list holds the burst-batching
     * state), and stays one until the topic is empty.
     */
    private final TopicTable channels = new TopicTable();
    private final TopicTable shardChannels = new TopicTable();
    private final TopicTable patterns = new TopicTable();
    /** Pattern lists in an array too, because every publish walks them all (as Redis does). */
    private SubscriberList[] patternOrder = new SubscriberList[4];
    private int patternCount;
    private final Publication publication = new Publication();

    TopicShard(EventLoop loop, WireForm[] forms) {
        this.loop = loop;
        this.pool = loop.framePool();
        this.forms = forms;
    }

    public EventLoop loop() {
        return loop;
    }

    private TopicTable tableFor(TopicKind kind) {
        return switch (kind) {
            case CHANNEL -> channels;
            case SHARD -> shardChannels;
            case PATTERN -> patterns;
        };
    }

    /**
     * The name object this loop already files the topic under, or {@code topic} itself: a
     * new subscription to a known topic shares the name's bytes instead of keeping a copy.
     */
    TopicName canonical(TopicKind kind, TopicName topic) {
        TopicEntry e = tableFor(kind).get(topic);
        return e == null ? topic : e.topic;
    }

    /** Adds the subscription; returns true if this loop had no subscriber of the topic before. */
    boolean add(Subscription s) {
        TopicTable table = tableFor(s.kind);
        TopicEntry e = table.get(s.topic);
        if (e == null) {
            if (s.kind == TopicKind.PATTERN) {
                // Patterns are always lists: the publish path walks them in an array.
                SubscriberList list = new SubscriberList(s.topic, forms.length);
                list.add(s);
                table.add(list);
                addPattern(list);
            } else {
                s.slot = 0;
                table.add(s);
            }
            return true;
        }
        SubscriberList list = e instanceof SubscriberList l ? l : promote(table, (Subscription) e);
        list.add(s);
        return false;
    }

    /** Replaces a lone subscription in the table by a list holding it. */
    private SubscriberList promote(TopicTable table, Subscription alone) {
        SubscriberList list = new SubscriberList(alone.topic, forms.length);
        list.add(alone);
        table.replace(alone, list);
        return list;
    }

    /** Removes the subscription; returns true if it was this loop's last one of the topic. */
    boolean remove(Subscription s) {
        if (s.slot < 0) {
            return false;
        }
        TopicTable table = tableFor(s.kind);
        TopicEntry e = table.get(s.topic);
        if (e == s) {
            table.remove(s);
            s.slot = -1;
            return true;
        }
        if (!(e instanceof SubscriberList list)) {
            return false;
        }
        list.remove(s);
        if (list.total() > 0) {
            return false;
        }
        releaseBatches(list);
        table.remove(list);
        if (s.kind == TopicKind.PATTERN) {
            removePattern(list);
        }
        return true;
    }

    private void addPattern(SubscriberList list) {
        if (patternCount == patternOrder.length) {
            patternOrder = Arrays.copyOf(patternOrder, patternCount * 2);
        }
        list.patternIndex = patternCount;
        patternOrder[patternCount++] = list;
    }

    private void removePattern(SubscriberList list) {
        int last = --patternCount;
        SubscriberList moved = patternOrder[last];
        patternOrder[list.patternIndex] = moved;
        moved.patternIndex = list.patternIndex;
        patternOrder[last] = null;
        list.patternIndex = -1;
        if (patternCount > 4 && patternCount * 4 < patternOrder.length) {
            patternOrder = Arrays.copyOf(patternOrder, patternCount * 2);
        }
    }

    private void releaseBatches(SubscriberList list) {
        if (list.batchFrame == null) {
            return;
        }
        for (int f = 0; f < forms.length; f++) {
            if (list.batchFrame[f] != null) {
                list.batchFrame[f].release(pool);
                list.batchFrame[f] = null;
            }
        }
    }

    /** Subscribers on this loop of a channel or shard channel (patterns not included). */
    int localCount(TopicKind kind, TopicName topic) {
        TopicEntry e = tableFor(kind).get(topic);
        if (e == null) {
            return 0;
        }
        return e instanceof SubscriberList list ? list.total() : 1;
    }

    /**
     * Delivers one message to this loop's subscribers and returns how many received it
     * (pattern subscribers count once per matching pattern, as in Redis).
     */
    int deliver(TopicKind kind, byte[] channel, ByteBuffer payload, Origin origin) {
        publication.set(kind, channel, payload, origin);
        int receivers = 0;
        try {
            TopicTable table = kind == TopicKind.SHARD ? shardChannels : channels;
            TopicEntry direct = table.get(channel, Arrays.hashCode(channel));
            if (direct != null) {
                SubscriberList list = direct instanceof SubscriberList l ? l : promote(table, (Subscription) direct);
                receivers += deliverTo(list, null);
            }
            if (kind == TopicKind.CHANNEL && patternCount > 0) {
                receivers += deliverToPatterns(channel);
            }
        } finally {
            publication.clear();
        }
        loop.countDeliveries(receivers);
        return receivers;
    }

    private int deliverToPatterns(byte[] channel) {
        int receivers = 0;
        for (int i = 0; i < patternCount; i++) {
            SubscriberList list = patternOrder[i];
            byte[] pattern = list.topic.bytes();
            if (GlobPattern.matches(pattern, channel)) {
                receivers += deliverTo(list, pattern);
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
        Subscription[] subs = list.subscribers();
        int end = 0;
        for (int f = 0; f < forms.length; f++) {
            int n = list.count(f);
            int start = end;
            end += n;
            if (n == 0) {
                continue;
            }
            int bytes = forms[f].encodedLength(publication, pattern);
            Frame batch = currentBatch(list, f, turn);
            if (batch != null && batch.writableBytes() >= bytes && batch.tailHolders() == n
                    && list.batchStamp[2 * f + 1] == list.version) {
                // Every subscriber of this form still ends with this frame (the holders never
                // grow and membership is unchanged): append, and each queue counts it lazily.
                forms[f].writeTo(batch, publication, pattern);
                batch.countMessage();
                loop.onSharedTailGrown((long) bytes * n);
                if (loop.producerStallEnabled()) {
                    for (int i = start; i < end; i++) {
                        loop.maybeStallProducerFor(subs[i].connection);
                    }
                }
            } else {
                // A second message in one turn suggests a burst: give the next ones room.
                Frame frame = pool.acquire(batch == null ? bytes : Math.max(bytes, BATCH_FRAME_BYTES));
                forms[f].writeTo(frame, publication, pattern);
                frame.countMessage();
                frame.retain(n);
                for (int i = start; i < end; i++) {
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
        if (list.batchFrame == null) {
            return null;
        }
        Frame batch = list.batchFrame[form];
        if (batch != null && list.batchStamp[2 * form] != turn) {
            list.batchFrame[form] = null;
            batch.release(pool);
            return null;
        }
        return batch;
    }

    private void keepAsBatch(SubscriberList list, int form, long turn, Frame frame) {
        if (list.batchFrame == null) {
            // Once per topic, on its first message: topics never published to stay smaller.
            list.batchFrame = new Frame[forms.length];
            list.batchStamp = new long[2 * forms.length];
        }
        Frame old = list.batchFrame[form];
        if (old != null) {
            old.release(pool);
        }
        list.batchFrame[form] = frame;
        list.batchStamp[2 * form] = turn;
        list.batchStamp[2 * form + 1] = list.version;
    }

    /** Number of topics of the kind with a subscriber on this loop. */
    int topicCount(TopicKind kind) {
        return tableFor(kind).size();
    }
}
