package io.fanout.policy;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.fanout.engine.BacklogPolicy;
import io.fanout.engine.CloseReason;
import io.fanout.engine.Connection;
import io.fanout.engine.WriteQueue;

/**
 * The slow-consumer rules, judged after each write attempt (so a burst the socket takes at
 * once never counts) and on timer ticks:
 * <ul>
 *   <li>hard: backlog over {@code hardLimitBytes} — cut now (the lesson's rule);</li>
 *   <li>soft: backlog over {@code softLimitBytes} continuously for {@code softNanos}
 *       (Redis's client-output-buffer soft limit); dipping below resets the clock;</li>
 *   <li>deadline: a backlog and no byte accepted by the kernel for {@code writeDeadlineNanos}
 *       (NATS's stalled writer), however small the backlog.</li>
 * </ul>
 * With {@link SlowPolicyMode#DROP_OLDEST}, the hard rule first drops whole unstarted
 * messages, oldest first, down to the limit, and cuts only if that is not enough.
 *
 * <p>Threads: immutable; called on each connection's loop thread. Per-connection state (the
 * soft breach start) lives on the connection.
 */
public final class SlowConsumerPolicy implements BacklogPolicy {
    private static final Logger LOG = LoggerFactory.getLogger("fanout.policy");

    private final SlowPolicySettings settings;

    public SlowConsumerPolicy(SlowPolicySettings settings) {
        this.settings = settings;
    }

    public SlowPolicySettings settings() {
        return settings;
    }

    @Override
    public CloseReason judge(Connection c, long nowNanos) {
        WriteQueue q = c.writeQueue();
        long pending = q.pendingBytes();
        long hard = settings.hardLimitBytes();
        if (hard > 0 && pending > hard) {
            CloseReason r = overHardLimit(c, q, pending, hard);
            if (r != null) {
                return r;
            }
            pending = q.pendingBytes();
        }
        if (settings.softLimitBytes() > 0) {
            CloseReason r = checkSoftLimit(c, pending, nowNanos);
            if (r != null) {
                return r;
            }
        }
        long deadline = settings.writeDeadlineNanos();
        if (deadline > 0 && pending > 0 && nowNanos - q.lastProgressNanos() >= deadline) {
            LOG.warn("[SLOW]      conn={} proto={} send_buf={} stalled={}ms >= write_deadline={}ms, disconnecting",
                    c.id(), c.protocolName(), pending, (nowNanos - q.lastProgressNanos()) / 1_000_000L, deadline / 1_000_000L);
            return CloseReason.SLOW_DEADLINE;
        }
        return null;
    }

    private CloseReason overHardLimit(Connection c, WriteQueue q, long pending, long hard) {
        if (settings.mode() == SlowPolicyMode.DROP_OLDEST) {
            // Down to 3/4 of the limit, not to the limit: room for the drop notice and for the
            // next few messages, so a steady overload drops in batches, not on every message.
            int dropped = q.dropOldestUnstarted(hard - hard / 4);
            if (q.lastGapSize() > 0) {
                c.handler().onMessagesDropped(c, q.lastGapSize());
                if (LOG.isDebugEnabled()) {
                    LOG.debug("[DROP]      conn={} dropped={} send_buf={} threshold={}",
                            c.id(), dropped, q.pendingBytes(), hard);
                }
            }
            if (q.pendingBytes() <= hard) {
                return null;
            }
            pending = q.pendingBytes();
        }
        LOG.warn("[SLOW]      conn={} proto={} send_buf={} > threshold={}, disconnecting", c.id(), c.protocolName(),
                pending, hard);
        return CloseReason.SLOW_HARD;
    }

    private CloseReason checkSoftLimit(Connection c, long pending, long nowNanos) {
        if (pending <= settings.softLimitBytes()) {
            c.softBreachSinceNanos = 0;
            return null;
        }
        if (c.softBreachSinceNanos == 0) {
            c.softBreachSinceNanos = nowNanos;
            return null;
        }
        long over = nowNanos - c.softBreachSinceNanos;
        if (over >= settings.softNanos()) {
            LOG.warn("[SLOW]      conn={} proto={} send_buf={} > soft_limit={} for {}ms, disconnecting",
                    c.id(), c.protocolName(), pending, settings.softLimitBytes(), over / 1_000_000L);
            return CloseReason.SLOW_SOFT;
        }
        return null;
    }

    @Override
    public long producerStallNanos() {
        return settings.producerStallNanos();
    }

    @Override
    public boolean wantsProducerStall(Connection c) {
        long hard = settings.hardLimitBytes();
        return settings.producerStallNanos() > 0 && hard > 0 && c.pendingBytes() * 4 > hard * 3;
    }
}
