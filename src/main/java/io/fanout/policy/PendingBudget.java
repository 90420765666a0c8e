package io.fanout.policy;

import java.util.ArrayList;
import java.util.List;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.fanout.engine.CloseReason;
import io.fanout.engine.Connection;
import io.fanout.engine.Engine;
import io.fanout.engine.EventLoop;

/**
 * The global backlog budget (--max-pending-total): when all backlogs together exceed it,
 * the clients with the largest backlogs are cut first until the total fits, so a burst to
 * thousands of slow clients cannot exhaust memory even when each stays under its own limit.
 *
 * <p>Threads: {@link #onTick} runs on each loop's thread and cuts only that loop's
 * connections; with several loops each loop trims its own largest, which converges because
 * every loop sees the same (racy) total.
 */
public final class PendingBudget implements Engine.BudgetEnforcer {
    private static final Logger LOG = LoggerFactory.getLogger("fanout.policy");

    private final long maxPendingTotalBytes;

    public PendingBudget(long maxPendingTotalBytes) {
        this.maxPendingTotalBytes = maxPendingTotalBytes;
    }

    @Override
    public void onTick(EventLoop loop, Engine engine) {
        long total = engine.totalPendingBytes();
        if (total <= maxPendingTotalBytes || loop.pendingBytes() == 0) {
            return;
        }
        List<Connection> candidates = new ArrayList<>();
        loop.forEachConnection(c -> {
            if (c.isOpen() && c.pendingBytes() > 0) {
                candidates.add(c);
            }
        });
        candidates.sort((a, b) -> Long.compare(b.pendingBytes(), a.pendingBytes()));
        for (Connection c : candidates) {
            if (total <= maxPendingTotalBytes) {
                break;
            }
            LOG.warn("[SLOW]      conn={} proto={} send_buf={} total_pending={} > max_pending_total={}, disconnecting",
                    c.id(), c.protocolName(), c.pendingBytes(), total, maxPendingTotalBytes);
            total -= c.pendingBytes();
            c.close(CloseReason.SLOW_BUDGET);
        }
    }
}
