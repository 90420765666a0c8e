package io.fanout.policy;

import java.util.Comparator;
import java.util.List;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.fanout.engine.BacklogView;
import io.fanout.engine.Engine;

/**
 * The global backlog budget (--max-pending-total): when all backlogs together exceed it,
 * the clients with the largest backlogs are cut first until the total fits, so a burst to
 * thousands of slow clients cannot exhaust memory even when each stays under its own limit.
 *
 * <p>Like {@link SlowConsumerPolicy}, it only reads {@link BacklogView}s and decides: it
 * orders a loop's backlogs and says how many to cut; the engine closes them. So the rule is
 * testable on fake views, without sockets (PendingBudgetTest).
 *
 * <p>Threads: immutable; called on each loop's thread with only that loop's backlogs; with
 * several loops each loop trims its own largest, which converges because every loop sees the
 * same (racy) total.
 */
public final class PendingBudget implements Engine.BudgetEnforcer {
    private static final Logger LOG = LoggerFactory.getLogger("fanout.policy");
    private static final Comparator<BacklogView> LARGEST_FIRST =
            (a, b) -> Long.compare(b.pendingBytes(), a.pendingBytes());

    private final long maxPendingTotalBytes;

    public PendingBudget(long maxPendingTotalBytes) {
        this.maxPendingTotalBytes = maxPendingTotalBytes;
    }

    @Override
    public boolean isOverBudget(long totalPendingBytes) {
        return totalPendingBytes > maxPendingTotalBytes;
    }

    @Override
    public int pickCuts(List<? extends BacklogView> backlogs, long totalPendingBytes) {
        backlogs.sort(LARGEST_FIRST);
        long total = totalPendingBytes;
        int cuts = 0;
        for (BacklogView b : backlogs) {
            if (total <= maxPendingTotalBytes) {
                break;
            }
            LOG.warn("[SLOW]      conn={} send_buf={} total_pending={} > max_pending_total={}, disconnecting {}",
                    b.id(), b.pendingBytes(), total, maxPendingTotalBytes, b.describeClient());
            total -= b.pendingBytes();
            cuts++;
        }
        return cuts;
    }
}
