package io.fanout.engine;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Carries out the {@link BacklogPolicy}'s verdicts on one loop's backlogs: after each write
 * attempt that leaves bytes queued, and on each timer tick for the connections that still
 * have some, so the time rules (soft limit, write deadline) fire even when no event arrives.
 *
 * <pre>
 *   judge(c) ─► policy.judge ─► OK    ─► c stays in the backlog list (judged again each tick)
 *                            ─► DROP  ─► c.dropOldest, counted ─► policy.judgeAfterDrop
 *                            ─► CLOSE ─► a time rule on a tick: write once; a byte taken is
 *                                        progress, judge again
 *                                     ─► still a close: policy.reportCut ([SLOW]), loop.markClosing
 * </pre>
 * The write before a time rule cuts: epoll reports a socket writable again only once a good
 * part of its send buffer is free, so a steady slow reader can take bytes for seconds without
 * one OP_WRITE event. The {@code [SLOW]} line is asked for only once the cut is certain.
 *
 * <p>Threads: owned by one {@link EventLoop}, used on its thread only.
 */
final class BacklogJudge {
    private final EventLoop loop;
    private final BacklogPolicy policy;
    private final LoopStats stats;
    private final long tickNanos;
    /** Connections that had a backlog when last judged; each tick judges them again. */
    private final List<Connection> backlogged = new ArrayList<>();
    private long nextTickNanos;

    BacklogJudge(EventLoop loop, BacklogPolicy policy, LoopStats stats, long tickNanos) {
        this.loop = loop;
        this.policy = policy;
        this.stats = stats;
        this.tickNanos = tickNanos;
    }

    /** Whether some connection still has a backlog (the loop must wake for the next tick). */
    boolean hasBacklogs() {
        return !backlogged.isEmpty();
    }

    long nextTickNanos() {
        return nextTickNanos;
    }

    /** Moves the next tick to {@code nanos} (a draining loop ticks at once). */
    void tickAt(long nanos) {
        nextTickNanos = nanos;
    }

    /**
     * Asks the policy about {@code c}'s backlog and carries out the verdict. On a timer tick
     * ({@code justWrote} false) a time rule's cut first gets one more write (see the class
     * comment).
     */
    void judge(Connection c, boolean justWrote, long nowNanos) {
        CloseReason verdict = judgeOnce(c, nowNanos);
        if (verdict != null && !justWrote && isTimeRule(verdict) && tryWriteBeforeCut(c)) {
            verdict = c.queue.isEmpty() ? null : judgeOnce(c, nowNanos);
        }
        if (verdict != null) {
            policy.reportCut(c, verdict, nowNanos); // [SLOW]: only now is the cut certain
            loop.markClosing(c, verdict, false);
        } else if (!c.queue.isEmpty() && !c.inBacklogList) {
            c.inBacklogList = true;
            backlogged.add(c);
            if (backlogged.size() == 1) {
                nextTickNanos = nowNanos + tickNanos;
            }
        }
    }

    /** The policy's verdict, carried out up to the close: returns the reason to close, or null. */
    private CloseReason judgeOnce(Connection c, long nowNanos) {
        Verdict verdict = policy.judge(c, nowNanos);
        if (verdict.kind() == Verdict.Kind.DROP) {
            dropOldest(c, verdict);
            verdict = policy.judgeAfterDrop(c, nowNanos);
        }
        return verdict.closeReason(); // null for OK, and for a second drop (one per judgement)
    }

    /** Carries out a drop verdict (see {@link Connection#dropOldest}); the loop's totals follow. */
    private void dropOldest(Connection c, Verdict verdict) {
        long before = c.queue.pendingBytes();
        stats.droppedMessages += c.dropOldest(verdict.dropToBytes(), verdict.thresholdBytes());
        loop.pendingBytes += c.queue.pendingBytes() - before; // the drop, then the protocol's notice
    }

    private static boolean isTimeRule(CloseReason r) {
        return r == CloseReason.SLOW_DEADLINE || r == CloseReason.SLOW_SOFT;
    }

    /** The write before a time rule cuts; true when the kernel took at least one byte. */
    private boolean tryWriteBeforeCut(Connection c) {
        try {
            return loop.writeOnce(c) > 0;
        } catch (IOException e) {
            return false; // the cut goes ahead; the reap closes the broken socket
        }
    }

    /** Once per tick: judges every connection that still has a backlog, forgets the others. */
    void maybeTick(long nowNanos) {
        if (backlogged.isEmpty() || nowNanos < nextTickNanos) {
            return;
        }
        nextTickNanos = nowNanos + tickNanos;
        for (int i = backlogged.size() - 1; i >= 0; i--) {
            Connection c = backlogged.get(i);
            if (c.state != Connection.State.OPEN || c.queue.isEmpty()) {
                c.inBacklogList = false;
                int last = backlogged.size() - 1;
                backlogged.set(i, backlogged.get(last));
                backlogged.remove(last);
            } else {
                judge(c, false, nowNanos);
            }
        }
    }
}
