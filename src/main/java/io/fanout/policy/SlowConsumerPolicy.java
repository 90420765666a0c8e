package io.fanout.policy;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.fanout.engine.BacklogPolicy;
import io.fanout.engine.BacklogView;
import io.fanout.engine.CloseReason;
import io.fanout.engine.Verdict;

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
 * The time rules (soft, deadline) may fire on a timer tick, long after the loop last tried
 * to write (epoll reports a socket writable only once much of its send buffer is free). The
 * loop therefore writes once before acting on such a verdict and asks again if the kernel
 * took a byte: a steady slow reader is judged by what the kernel takes, not by when the
 * server happened to try.
 * With {@link SlowPolicyMode#DROP_OLDEST}, the hard rule first asks the loop to drop whole
 * unstarted messages, oldest first, down to 3/4 of the limit, and cuts only if that is not
 * enough ({@link #judgeAfterDrop}).
 *
 * <p>The rules only read a {@link BacklogView} and return a {@link Verdict}: the loop drops,
 * tells the protocol, counts and closes. So each rule is testable on a fake view and a
 * manual clock, without sockets (SlowConsumerVerdictTest).
 *
 * <p>Threads: immutable; called on each connection's loop thread. Per-connection state (the
 * soft breach start) sits behind the view, on the connection.
 */
public final class SlowConsumerPolicy implements BacklogPolicy {
    private static final Logger LOG = LoggerFactory.getLogger("fanout.policy");

    private final SlowPolicySettings settings;
    /** Made once: its figures follow from the settings, and judging must not allocate. */
    private final Verdict dropVerdict;

    public SlowConsumerPolicy(SlowPolicySettings settings) {
        this.settings = settings;
        long hard = settings.hardLimitBytes();
        // Down to 3/4 of the limit, not to the limit: room for the drop notice and for the
        // next few messages, so a steady overload drops in batches, not on every message.
        this.dropVerdict = Verdict.dropTo(hard - hard / 4, hard);
    }

    public SlowPolicySettings settings() {
        return settings;
    }

    @Override
    public Verdict judge(BacklogView b, long nowNanos) {
        return judge(b, nowNanos, settings.mode() == SlowPolicyMode.DROP_OLDEST);
    }

    /** After the loop dropped what it could: over the hard limit still means the cut. */
    @Override
    public Verdict judgeAfterDrop(BacklogView b, long nowNanos) {
        return judge(b, nowNanos, false);
    }

    private Verdict judge(BacklogView b, long nowNanos, boolean mayDrop) {
        long pending = b.pendingBytes();
        long hard = settings.hardLimitBytes();
        if (hard > 0 && pending > hard) {
            return mayDrop ? dropVerdict : Verdict.close(CloseReason.SLOW_HARD);
        }
        if (settings.softLimitBytes() > 0 && overSoftLimitTooLong(b, pending, nowNanos)) {
            return Verdict.close(CloseReason.SLOW_SOFT);
        }
        long deadline = settings.writeDeadlineNanos();
        if (deadline > 0 && pending > 0 && nowNanos - b.lastProgressNanos() >= deadline) {
            return Verdict.close(CloseReason.SLOW_DEADLINE);
        }
        return Verdict.OK;
    }

    /** The soft rule (Redis's): a breach must last; a dip below the limit resets its clock. */
    private boolean overSoftLimitTooLong(BacklogView b, long pending, long nowNanos) {
        if (pending <= settings.softLimitBytes()) {
            b.markSoftBreach(0);
            return false;
        }
        long since = b.softBreachSinceNanos();
        if (since == 0) {
            b.markSoftBreach(nowNanos);
            return false;
        }
        return nowNanos - since >= settings.softNanos();
    }

    /**
     * The {@code [SLOW]} line of a cut, with the figures that tripped: the view is as the
     * verdict saw it (the loop reports right after judging, at the same time).
     */
    @Override
    public void reportCut(BacklogView b, CloseReason reason, long nowNanos) {
        long pending = b.pendingBytes();
        switch (reason) {
            case SLOW_HARD -> LOG.warn("[SLOW]      conn={} send_buf={} > threshold={}, disconnecting {}", b.id(),
                    pending, settings.hardLimitBytes(), b.describeClient());
            case SLOW_SOFT -> LOG.warn("[SLOW]      conn={} send_buf={} > soft_limit={} for {}ms, disconnecting {}",
                    b.id(), pending, settings.softLimitBytes(), (nowNanos - b.softBreachSinceNanos()) / 1_000_000L,
                    b.describeClient());
            case SLOW_DEADLINE -> LOG.warn(
                    "[SLOW]      conn={} send_buf={} stalled={}ms >= write_deadline={}ms, disconnecting {}",
                    b.id(), pending, (nowNanos - b.lastProgressNanos()) / 1_000_000L,
                    settings.writeDeadlineNanos() / 1_000_000L, b.describeClient());
            default -> {
                // Not one of this policy's verdicts: nothing to explain.
            }
        }
    }

    @Override
    public long producerStallNanos() {
        return settings.producerStallNanos();
    }

    @Override
    public boolean wantsProducerStall(BacklogView b) {
        long hard = settings.hardLimitBytes();
        return settings.producerStallNanos() > 0 && hard > 0 && b.pendingBytes() * 4 > hard * 3;
    }
}
