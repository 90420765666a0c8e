package io.fanout.broker;

import java.nio.ByteBuffer;
import java.util.Arrays;

import io.fanout.engine.EventLoop;

/**
 * The messages one loop published in the current turn for the subscribers of other loops,
 * handed over once per turn per target loop instead of once per message: one inbox task and
 * at most one wake-up of the target per turn, and the payloads copied into one array per
 * target rather than one array, one task and one queue node each. With several loops and few
 * subscribers per message the per-message hand-off was the largest cost of a publish.
 *
 * <p>Order: a target receives a turn's messages in publish order, and turns in order through
 * its FIFO inbox, so one publisher's messages still reach every subscriber in publish order.
 * The engine calls {@link #handOver} after the turn's reads (so the other loops fan out while
 * this one writes) and again before the loop may sleep.
 *
 * <p>Threads: an outbox belongs to its loop; a {@link Batch}, once handed over, belongs to
 * the target loop, which alone reads it.
 */
final class CrossLoopOutbox {
    private final EventLoop[] loops;
    private final TopicShard[] shards;
    /** The batch being filled for each target loop this turn, or null. */
    private final Batch[] open;
    /** Targets with an open batch, in the order they got their first message. */
    private final int[] targets;
    private int targetCount;
    /** Size hints: what each target's last batch held, so a steady stream rarely grows arrays. */
    private final int[] lastMessages;
    private final int[] lastBytes;

    CrossLoopOutbox(EventLoop[] loops, TopicShard[] shards) {
        this.loops = loops;
        this.shards = shards;
        this.open = new Batch[loops.length];
        this.targets = new int[loops.length];
        this.lastMessages = new int[loops.length];
        this.lastBytes = new int[loops.length];
    }

    /** Adds a copy of the message for {@code target}'s subscribers; delivered after this turn's reads. */
    void add(int target, TopicKind kind, byte[] channel, ByteBuffer payload, Origin origin) {
        Batch b = open[target];
        if (b == null) {
            b = new Batch(Math.max(8, lastMessages[target]), Math.max(1024, lastBytes[target]));
            open[target] = b;
            targets[targetCount++] = target;
        }
        b.add(kind, channel, payload, origin);
    }

    /** Posts every open batch to its loop, once each; nothing to do (one test) when none is open. */
    void handOver() {
        for (int i = 0; i < targetCount; i++) {
            int t = targets[i];
            Batch b = open[t];
            open[t] = null;
            lastMessages[t] = b.count;
            lastBytes[t] = b.size;
            TopicShard shard = shards[t];
            loops[t].execute(() -> b.deliverTo(shard));
        }
        targetCount = 0;
    }

    /** One turn's messages for one loop: topics and origins side by side, payloads back to back. */
    static final class Batch {
        private TopicKind[] kinds;
        private byte[][] channels;
        private Origin[] origins;
        /** End of each message's payload in {@link #data}; it starts where the previous one ends. */
        private int[] ends;
        private byte[] data;
        private int count;
        private int size;

        Batch(int messages, int bytes) {
            kinds = new TopicKind[messages];
            channels = new byte[messages][];
            origins = new Origin[messages];
            ends = new int[messages];
            data = new byte[bytes];
        }

        void add(TopicKind kind, byte[] channel, ByteBuffer payload, Origin origin) {
            if (count == ends.length) {
                int n = count * 2;
                kinds = Arrays.copyOf(kinds, n);
                channels = Arrays.copyOf(channels, n);
                origins = Arrays.copyOf(origins, n);
                ends = Arrays.copyOf(ends, n);
            }
            int len = payload.remaining();
            if (data.length - size < len) {
                data = Arrays.copyOf(data, Math.max(data.length * 2, size + len));
            }
            payload.get(payload.position(), data, size, len);
            size += len;
            kinds[count] = kind;
            channels[count] = channel;
            origins[count] = origin;
            ends[count] = size;
            count++;
        }

        /** On the target loop: fans out every message in order, through one reused window. */
        void deliverTo(TopicShard shard) {
            ByteBuffer window = ByteBuffer.wrap(data);
            int start = 0;
            for (int i = 0; i < count; i++) {
                window.limit(ends[i]).position(start);
                shard.deliver(kinds[i], channels[i], window, origins[i]);
                start = ends[i];
            }
        }
    }
}
