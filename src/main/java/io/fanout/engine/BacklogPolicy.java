package io.fanout.engine;

/**
 * Decides whether a connection's backlog breaks a rule. The engine asks after every write
 * attempt on a connection with a backlog, and on each timer tick for connections that still
 * have one, so time-based rules fire even when no event arrives.
 *
 * <p>Mechanism lives in {@link WriteQueue}; rules live in implementations of this interface
 * (package {@code io.fanout.policy}). No size check exists anywhere else.
 *
 * <p>Threads: called on the connection's loop thread. Implementations hold only immutable
 * configuration or per-connection state reachable from the connection.
 */
public interface BacklogPolicy {
    /**
     * Returns null when the backlog is acceptable (possibly after shrinking it, as a
     * drop-oldest policy does), else the reason to disconnect. Implementations log the
     * {@code [SLOW]} line themselves because only they know which figures tripped.
     */
    CloseReason judge(Connection connection, long nowNanos);

    /**
     * True when publishers feeding this connection should pause reading (fast-producer
     * stall). Default: never.
     */
    default boolean wantsProducerStall(Connection connection) {
        return false;
    }

    /** How long a publisher's reading pauses when a subscriber it feeds wants a stall; 0 = off. */
    default long producerStallNanos() {
        return 0;
    }

    /** The policy that never objects; for tests of pure mechanism. */
    BacklogPolicy UNLIMITED = (connection, nowNanos) -> null;
}
