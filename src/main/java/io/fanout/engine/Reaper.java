package io.fanout.engine;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Mark, then reap (Redis's close-ASAP list, NATS's markConnAsClosed): a connection that must
 * close during a turn is only marked with its {@link CloseReason}; the loop closes the marked
 * ones at the end of the turn, so no subscriber array changes while a fan-out walks it.
 *
 * <pre>
 *   OPEN --mark(reason)--> CLOSING --reapAll: slow notice or last write, onClose, socket--> CLOSED
 *                                  (a slow notice the socket could not take: socket lingers)
 * </pre>
 * Reaping a connection takes its backlog off the loop's total, gives a slow consumer its
 * protocol's notice (lingering write-only up to 2 s when the socket cannot take it, see
 * {@link LingeringNotices}) or a closing client one last write, returns its input memory,
 * and counts and logs the close ({@code [CLOSE]}).
 *
 * <p>Threads: owned by one {@link EventLoop}, used on its thread only.
 */
final class Reaper {
    private static final Logger LOG = LoggerFactory.getLogger("fanout.engine");

    private final EventLoop loop;
    private final Engine engine;
    private final LoopStats stats;
    private final Map<Long, Connection> connections;
    private final LingeringNotices lingering;
    private final InputBudget inputBudget;
    private final ByteBuffer[] gatherScratch;
    private final long maxWriteBytes;
    private final List<Connection> closing = new ArrayList<>();

    Reaper(EventLoop loop, Engine engine, LoopStats stats, Map<Long, Connection> connections,
           LingeringNotices lingering, ByteBuffer[] gatherScratch, long maxWriteBytes) {
        this.loop = loop;
        this.engine = engine;
        this.stats = stats;
        this.connections = connections;
        this.lingering = lingering;
        this.inputBudget = engine.inputBudget();
        this.gatherScratch = gatherScratch;
        this.maxWriteBytes = maxWriteBytes;
    }

    /** Whether connections wait to be reaped (the loop then does not block in select). */
    boolean isEmpty() {
        return closing.isEmpty();
    }

    void mark(Connection c, CloseReason reason, boolean flushFirst) {
        if (c.state != Connection.State.OPEN) {
            return;
        }
        c.state = Connection.State.CLOSING;
        c.closeReason = reason;
        c.flushBeforeClose = flushFirst;
        closing.add(c);
    }

    /** Closes every marked connection; {@code draining}: no socket lingers (the loop is stopping). */
    void reapAll(long nowNanos, boolean draining) {
        if (closing.isEmpty()) {
            return;
        }
        // Index loop: onClose handlers may mark further connections (e.g. CLIENT KILL).
        for (int i = 0; i < closing.size(); i++) {
            reap(closing.get(i), nowNanos, draining);
        }
        closing.clear();
    }

    private void reap(Connection c, long nowNanos, boolean draining) {
        WriteQueue q = c.queue;
        loop.pendingBytes -= q.pendingBytes(); // from here on the queue is no longer counted
        boolean noticeQueued = false;
        if (c.closeReason.isSlowConsumer()) {
            noticeQueued = maybeSendSlowNotice(c, nowNanos);
        } else if (c.flushBeforeClose && !q.isEmpty()) {
            flushOnceQuietly(c, nowNanos);
        }
        try {
            c.handler.onClose(c, c.closeReason);
        } catch (RuntimeException e) {
            LOG.warn("[ERROR]     conn={} onClose failed", c.id(), e);
        }
        InboundBuffers.drop(c, inputBudget); // input memory is given back at once, even while lingering
        // Only a notice lingers (then the queue holds at most the rest of one message and the
        // notice); a protocol without one (RESP) closes at once and frees its backlog.
        boolean linger = noticeQueued && !q.isEmpty() && c.key != null && c.key.isValid() && !draining;
        if (linger) {
            lingering.start(c, nowNanos); // the notice did not fit the socket: keep it open write-only
        } else {
            c.closeSocket();
        }
        c.state = Connection.State.CLOSED;
        connections.remove(c.id());
        engine.onClosed(c); // before the counter: whoever sees the close counted sees it gone
        stats.closedByReason[c.closeReason.ordinal()]++;
        LOG.info("[CLOSE]     conn={} reason={} {}", c.id(), c.closeReason.label(), c.describeClient());
    }

    /**
     * Discards the unsent whole messages of a slow consumer, queues the protocol's notice
     * behind what is left of a partly sent one, and gives it one non-blocking write. Returns
     * whether there was a notice (the socket may then linger for it).
     */
    private boolean maybeSendSlowNotice(Connection c, long nowNanos) {
        byte[] notice = c.handler == null ? null : c.handler.slowConsumerNotice(c.closeReason);
        if (notice == null) {
            return false;
        }
        c.queue.dropOldestUnstarted(0);
        c.queue.appendCopy(notice, 0, notice.length, nowNanos);
        flushOnceQuietly(c, nowNanos);
        return true;
    }

    private void flushOnceQuietly(Connection c, long nowNanos) {
        try {
            long w = c.queue.flush(c.channel(), gatherScratch, maxWriteBytes, nowNanos);
            stats.bytesWritten += w;
        } catch (IOException | RuntimeException ignored) {
            // Best effort only: the peer may already be gone.
        }
    }
}
