package io.fanout.engine;

import java.util.ArrayList;
import java.util.List;

/**
 * Connections of one loop whose reading is paused, and the NATS-style fast-producer stall
 * that pauses them: while a publisher's input is being handled, a delivery to a subscriber
 * near its limit (the policy's {@link BacklogPolicy#wantsProducerStall}) marks the publisher,
 * and once that read is handled the publisher stops being read for {@code --producer-stall}.
 * Each turn resumes the connections whose pause is over.
 *
 * <pre>
 *   reading --subscriber near its limit--> marked --read handled--> paused (no OP_READ)
 *   paused --pause over, or closed--> reading again
 * </pre>
 *
 * <p>Threads: owned by one {@link EventLoop}, used on its thread only.
 */
final class ReadPauses {
    private final EventLoop loop;
    private final BacklogPolicy policy;
    private final long stallNanos;
    private final List<Connection> paused = new ArrayList<>();
    /** The connection whose input is being handled right now (a publisher), or null. */
    private Connection reading;
    /** Set when a subscriber fed by {@link #reading} is near its limit. */
    private boolean stallReader;

    ReadPauses(EventLoop loop, BacklogPolicy policy) {
        this.loop = loop;
        this.policy = policy;
        this.stallNanos = policy.producerStallNanos();
    }

    /** Whether --producer-stall is on (then every enqueue is checked). */
    boolean stallEnabled() {
        return stallNanos > 0;
    }

    /** {@code c}'s input is about to be handled: deliveries from now on are its. */
    void startReading(Connection c) {
        reading = c;
    }

    void stopReading() {
        reading = null;
    }

    /** Called for each delivery to {@code c}: marks the publisher being read if {@code c} is near its limit. */
    void maybeStallProducerFor(Connection c) {
        if (reading != null && reading != c && policy.wantsProducerStall(c)) {
            stallReader = true;
        }
    }

    /** After a read of {@code c} was handled: pauses it if a subscriber it fed asked for a stall. */
    void maybePauseReader(Connection c, long nowNanos) {
        if (stallReader) {
            stallReader = false;
            pause(c, nowNanos + stallNanos);
        }
    }

    void pause(Connection c, long untilNanos) {
        if (c.state != Connection.State.OPEN) {
            return;
        }
        if (c.readPausedUntilNanos == 0) {
            paused.add(c);
        }
        c.readPausedUntilNanos = Math.max(c.readPausedUntilNanos, untilNanos);
        loop.updateInterest(c);
    }

    boolean isEmpty() {
        return paused.isEmpty();
    }

    /** Resumes reading of the connections whose pause is over (and forgets closed ones). */
    void resumeDue(long nowNanos) {
        for (int i = paused.size() - 1; i >= 0; i--) {
            Connection c = paused.get(i);
            if (c.state != Connection.State.OPEN || nowNanos >= c.readPausedUntilNanos) {
                c.readPausedUntilNanos = 0;
                int last = paused.size() - 1;
                paused.set(i, paused.get(last));
                paused.remove(last);
                loop.updateInterest(c);
            }
        }
    }
}
