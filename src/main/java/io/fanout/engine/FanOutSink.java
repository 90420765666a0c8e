package io.fanout.engine;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where a loop's outbound bytes are counted as they are queued: the engine's side of every
 * enqueue, and the broker's one door for a fan-out. Every byte queued on this loop goes
 * through here, so the loop's backlog total, the dirty list, the producer-stall check, the
 * {@code [ENQUEUE]} trace line and the delivery counters are kept in one place, and the broker
 * does not redo any of them.
 *
 * <p>A fan-out is one call per wire form per message, never one per subscriber:
 * <ul>
 *   <li>{@link #sendToAll}: a new frame, one reference per recipient, queued on each;</li>
 *   <li>{@link #appendedToSharedTail}: the broker appended a message to a frame every
 *       recipient's queue ends with; each queue counts its tail's growth lazily
 *       ({@link WriteQueue#pendingBytes}), the loop's total is counted here, in O(1).</li>
 * </ul>
 * A grown tail needs no dirty marking: the frame was queued this turn, which marked each
 * holder dirty, and the dirty list is flushed after the turn's deliveries; a queue flushed
 * since then that still ends with the frame still holds bytes, so OP_WRITE is set for it.
 *
 * <p>Threads: the loop's thread only (one sink per {@link EventLoop}).
 */
public final class FanOutSink {
    private static final Logger LOG = LoggerFactory.getLogger("fanout.engine");

    private final EventLoop loop;
    private final LoopStats stats;
    private final ReadPauses pauses;
    private final boolean traceEnabled;
    private final boolean producerStall;

    FanOutSink(EventLoop loop, LoopStats stats, ReadPauses pauses, boolean traceEnabled) {
        this.loop = loop;
        this.stats = stats;
        this.pauses = pauses;
        this.traceEnabled = traceEnabled;
        this.producerStall = pauses.stallEnabled();
    }

    /** Turns the loop has completed; constant during one turn (a batch frame lives for one). */
    public long turn() {
        return stats.turns;
    }

    /**
     * Whether a turn's messages may share one frame per subscriber. Not with trace logging on:
     * then each message gets its own frame, so the lesson's {@code [ENQUEUE]} line appears per
     * delivery.
     */
    public boolean batching() {
        return !traceEnabled;
    }

    /** One message published on this loop (counted where it was published, once). */
    public void countPublished() {
        stats.published++;
    }

    /** Queues {@code frame} on {@code c}; the caller keeps its own reference. */
    public void sendTo(Frame frame, Connection c) {
        frame.retain(1);
        c.send(frame);
        stats.deliveries++;
    }

    /**
     * Queues {@code frame} on the connection of each of {@code to[from..end)}, one reference
     * each; the caller keeps its own reference.
     */
    public void sendToAll(Frame frame, Recipient[] to, int from, int end) {
        frame.retain(end - from);
        for (int i = from; i < end; i++) {
            to[i].connection().send(frame);
        }
        stats.deliveries += end - from;
    }

    /**
     * The broker appended {@code bytes} (one message) to a frame that the queue of every one
     * of {@code to[from..end)} ends with: count the growth and the deliveries, and check the
     * producer stall for each, as an enqueue would.
     */
    public void appendedToSharedTail(int bytes, Recipient[] to, int from, int end) {
        int n = end - from;
        loop.pendingBytes += (long) bytes * n;
        stats.deliveries += n;
        if (producerStall) {
            for (int i = from; i < end; i++) {
                pauses.maybeStallProducerFor(to[i].connection());
            }
        }
    }

    /** The engine's side of one enqueue of {@code bytes} on {@code c} (a frame or a private copy). */
    void onEnqueued(Connection c, int bytes) {
        loop.pendingBytes += bytes;
        if (producerStall) {
            pauses.maybeStallProducerFor(c);
        }
        loop.markDirty(c);
        if (traceEnabled) {
            LOG.trace("[ENQUEUE]   conn={} queued={} total_pending={}", c.id(), bytes, c.pendingBytes());
        }
    }
}
