package io.fanout.engine;

/**
 * What a rule may see of one connection's backlog: its figures, who the client is (for the
 * {@code [SLOW]} line) and the one piece of per-connection state the rules keep, the start
 * of a soft-limit breach. A rule reads this and returns a {@link Verdict}; it never changes
 * the queue. {@link Connection} is the engine's implementation; tests use a fake on a manual
 * clock, without sockets.
 *
 * <p>Threads: read on the connection's loop thread only.
 */
public interface BacklogView {
    /** The connection id, for log lines. */
    long id();

    /** Bytes queued that the kernel has not taken yet. */
    long pendingBytes();

    /** When the kernel last took a byte of this backlog (or when it began, if later). */
    long lastProgressNanos();

    /** When the backlog went over the soft limit and has stayed there since, or 0. */
    long softBreachSinceNanos();

    /** Starts ({@code sinceNanos}) or clears ({@code 0}) the soft-breach clock. */
    void markSoftBreach(long sinceNanos);

    /** {@code proto=... remote=... [name=...]}, as the {@code [SLOW]} and {@code [CLOSE]} lines end. */
    String describeClient();
}
