package io.fanout.broker;

import java.nio.ByteBuffer;
import java.util.Arrays;

import io.fanout.engine.EventLoop;
import io.fanout.engine.FanOutSink;
import io.fanout.engine.Frame;
import io.fanout.engine.FramePool;

/**
 * The topic registry of one loop: which of this loop's connections listen to which channel,
 * pattern or shard channel, and the fan-out of one message to them.
 *
 * <p>Threads: only its loop's thread. A message published on another loop arrives through
 * the loop's inbox and is delivered here, so no lock is ever taken on the fan-out path.
 *
 * <p>Fan-out of one message: for each wire form with subscribers, encode once and hand the
 * frame to the loop's {@link FanOutSink} in one call (it takes one reference per subscriber
 * and queues the same frame on each, or counts a message appended to a shared tail), then
 * drop the encoder's reference. The engine keeps every account of what was queued.
 * Connections are never closed here (a full queue is judged later in the turn).
 */
public final class TopicShard {
    /** Room given to a frame that starts a burst: fits ~90 small RESP messages. */
    private static final int BATCH_FRAME_BYTES = 8192;
    /**
     * The largest batch frame a burst grows to. Not the pool's largest class (128 KiB): the
     * pool keeps few of those idle, and RESP at 1 KiB measured 10% fewer deliveries with them
     * (docs/BENCHMARKS.md, 2026-12-01, issue 12).
     */
    private static final int BATCH_FRAME_MAX_BYTES = 32768;

    private final EventLoop loop;
    /** The engine's side of each delivery: references, enqueue accounting, counters. */
    private final FanOutSink sink;
    private final FramePool pool;
    private final WireForm[] forms;
    /*
     * Each table files, per topic, either the Subscription itself (the topic's only
     * subscriber on this loop, the common case when clients subscribe to many channels of
     * their own) or a SubscriberList. A lone subscription becomes a list when a second one
     * joins or when its topic gets a burst (a second message in one loop turn: the list
     * batches it), and stays one until the topic is empty.
     */
    private final TopicTable channels = new TopicTable();
    private final TopicTable shardChannels = new TopicTable();
    private final TopicTable patterns = new TopicTable();
    /** Pattern lists in an array too, because every publish walks them all (as Redis does). */
    private SubscriberList[] patternOrder = new SubscriberList[4];
    private int patternCount;
    private final Publication publication = new Publication();
    /** Lists holding batch frames of turn {@link #batchTurn}, released when a later turn delivers. */
    private SubscriberList[] batched = new SubscriberList[16];
    private int batchedCount;
    private long batchTurn = -1;

    TopicShard(EventLoop loop, WireForm[] forms) {
        this.loop = loop;
        this.sink = loop.fanOut();
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
        releaseBatches(list); // a batch frame is only valid for the members that got it
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
        releaseBatches(list);
        list.remove(s);
        if (list.total() > 0) {
            return false;
        }
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
        list.batchRegistered = false; // a stale register slot then releases nothing
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
        long turn = sink.turn();
        if (turn != batchTurn) {
            releaseStaleBatches(turn);
        }
        publication.set(kind, channel, payload, origin);
        int receivers = 0;
        try {
            TopicTable table = kind == TopicKind.SHARD ? shardChannels : channels;
            TopicEntry direct = table.get(channel, Arrays.hashCode(channel));
            if (direct instanceof SubscriberList list) {
                receivers += deliverTo(list, null);
            } else if (direct != null) {
                receivers += deliverToLone(table, (Subscription) direct, turn);
            }
            if (kind == TopicKind.CHANNEL && patternCount > 0) {
                receivers += deliverToPatterns(channel);
            }
        } finally {
            publication.clear();
        }
        return receivers;
    }

    /**
     * Delivers a message that came from another node to exactly one subscriber list: the
     * channel's (or shard channel's) when {@code pattern} is null, else that pattern's. Redis
     * sends a node one copy per matching subscription it holds, so each copy feeds only its
     * own list, and a subscriber of both the channel and a pattern gets both, as in Redis.
     */
    int deliverRelayed(TopicKind kind, byte[] channel, byte[] pattern, ByteBuffer payload) {
        long turn = sink.turn();
        if (turn != batchTurn) {
            releaseStaleBatches(turn);
        }
        publication.set(kind, channel, payload, Origin.CLUSTER);
        int receivers = 0;
        try {
            if (pattern != null) {
                if (patterns.get(pattern, Arrays.hashCode(pattern)) instanceof SubscriberList list) {
                    receivers = deliverTo(list, pattern);
                }
            } else {
                TopicTable table = kind == TopicKind.SHARD ? shardChannels : channels;
                TopicEntry direct = table.get(channel, Arrays.hashCode(channel));
                if (direct instanceof SubscriberList list) {
                    receivers = deliverTo(list, null);
                } else if (direct != null) {
                    receivers = deliverToLone(table, (Subscription) direct, turn);
                }
            }
        } finally {
            publication.clear();
        }
        return receivers;
    }

    /**
     * A topic's only subscriber on this loop: a frame of its own, no list, no batch state,
     * unless this is the topic's second message in this turn, which makes it a list that
     * batches the rest of the burst. A topic that gets one message now and then stays as
     * cheap as a subscription.
     */
    private int deliverToLone(TopicTable table, Subscription s, long turn) {
        if (s.lastTurn == (int) turn && sink.batching()) {
            return deliverTo(promote(table, s), null, true);
        }
        s.lastTurn = (int) turn;
        WireForm form = forms[s.form.index()];
        Frame frame = pool.acquire(form.encodedLength(publication, null));
        form.writeTo(frame, publication, null);
        frame.countMessage();
        sink.sendTo(frame, s.connection);
        frame.release(pool); // the encoder's reference
        return 1;
    }

    /**
     * A new turn: the batch frames kept in an earlier one can no longer be appended to. (A
     * loop that goes quiet holds the last busy turn's until its next delivery: at most one
     * frame per list and form that got a message then.)
     */
    private void releaseStaleBatches(long turn) {
        for (int i = 0; i < batchedCount; i++) {
            releaseBatches(batched[i]);
            batched[i] = null;
        }
        if (batched.length > 1024 && batchedCount < batched.length / 4) {
            batched = new SubscriberList[Math.max(16, batchedCount)];
        }
        batchedCount = 0;
        batchTurn = turn;
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
        return deliverTo(list, pattern, false);
    }

    /** @param burst whether this turn already had a message for the topic (room for more) */
    private int deliverTo(SubscriberList list, byte[] pattern, boolean burst) {
        int delivered = 0;
        // With trace on, one frame per message keeps the lesson's [ENQUEUE] line per delivery.
        boolean batching = sink.batching();
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
            Frame batch = currentBatch(list, f);
            if (batch != null && batch.writableBytes() >= bytes && batch.tailHolders() == n) {
                // Every subscriber of this form still ends with this frame (the holders never
                // grow and membership is unchanged): append, and each queue counts it lazily.
                forms[f].writeTo(batch, publication, pattern);
                batch.countMessage();
                sink.appendedToSharedTail(bytes, subs, start, end);
            } else {
                Frame frame = pool.acquire(nextFrameBytes(batch, burst, bytes));
                forms[f].writeTo(frame, publication, pattern);
                frame.countMessage();
                sink.sendToAll(frame, subs, start, end);
                if (!batching) {
                    frame.release(pool); // the encoder's reference
                } else {
                    keepAsBatch(list, f, frame); // takes over the encoder's reference
                }
            }
            delivered += n;
        }
        return delivered;
    }

    /**
     * Room for a new frame of a list: just the message when it is the topic's first in this
     * turn; a batch frame when a second one suggests a burst; and when a batch frame filled
     * up, four times its size (up to {@link #BATCH_FRAME_MAX_BYTES}), so that a burst of large
     * messages reaches each subscriber in a few buffers per turn rather than one per 8 KiB.
     */
    private static int nextFrameBytes(Frame filledBatch, boolean burst, int bytes) {
        if (filledBatch != null) {
            int grown = Math.min(BATCH_FRAME_MAX_BYTES, filledBatch.capacity() * 4);
            return Math.max(bytes, Math.max(BATCH_FRAME_BYTES, grown));
        }
        return burst ? Math.max(bytes, BATCH_FRAME_BYTES) : bytes;
    }

    /** The frame of this list and form from the current turn, or null. */
    private static Frame currentBatch(SubscriberList list, int form) {
        return list.batchFrame == null ? null : list.batchFrame[form];
    }

    private void keepAsBatch(SubscriberList list, int form, Frame frame) {
        if (list.batchFrame == null) {
            // Once per list, on its first message: lists never published to stay smaller.
            list.batchFrame = new Frame[forms.length];
        }
        Frame old = list.batchFrame[form];
        if (old != null) {
            old.release(pool);
        }
        list.batchFrame[form] = frame;
        if (!list.batchRegistered) {
            list.batchRegistered = true;
            if (batchedCount == batched.length) {
                batched = Arrays.copyOf(batched, batchedCount * 2);
            }
            batched[batchedCount++] = list;
        }
    }

    /** Number of topics of the kind with a subscriber on this loop. */
    int topicCount(TopicKind kind) {
        return tableFor(kind).size();
    }
}
