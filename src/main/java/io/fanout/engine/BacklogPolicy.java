package io.fanout.engine;

/**
 * Decides whether a connection's backlog breaks a rule. The engine asks after every write
 * attempt on a connection with a backlog, and on each timer tick for connections that still
 * have one, so time-based rules fire even when no event arrives.
 *
 * <p>Mechanism lives in {@link WriteQueue} and the loop ({@link BacklogJudge}); rules live in
 * implementations of this interface (package {@code io.fanout.policy}). A rule reads a
 * {@link BacklogView} and returns a {@link Verdict}; the loop carries it out (drops, tells
 * the protocol, counts, closes). No size check exists anywhere else.
 *
 * <p>Threads: called on the connection's loop thread. Implementations hold only immutable
 * configuration; per-connection state sits behind the view.
 */
public interface BacklogPolicy {
    /**
     * The verdict on {@code backlog} at {@code nowNanos}; says nothing in the log (a close
     * verdict may yet be taken back, see {@link #reportCut}). Must not allocate: return
     * {@link Verdict#OK}, {@link Verdict#close} or a drop verdict made once.
     */
    Verdict judge(BacklogView backlog, long nowNanos);

    /**
     * The loop is cutting {@code backlog} now for {@code reason}, the close verdict this policy
     * just returned at {@code nowNanos}: log the {@code [SLOW]} line, since only the policy
     * knows which figures tripped. Called once per cut, and only for a cut that happens: before
     * a time rule cuts on a tick the loop writes once, and a client that write saves was never
     * cut. Default: nothing.
     */
    default void reportCut(BacklogView backlog, CloseReason reason, long nowNanos) {
    }

    /**
     * The verdict after the loop carried out a drop verdict of {@link #judge}; a drop verdict
     * here counts as OK. Default: the same rules again.
     */
    default Verdict judgeAfterDrop(BacklogView backlog, long nowNanos) {
        return judge(backlog, nowNanos);
    }

    /**
     * True when publishers feeding this connection should pause reading (fast-producer
     * stall). Default: never.
     */
    default boolean wantsProducerStall(BacklogView backlog) {
        return false;
    }

    /** How long a publisher's reading pauses when a subscriber it feeds wants a stall; 0 = off. */
    default long producerStallNanos() {
        return 0;
    }

    /** The policy that never objects; for tests of pure mechanism. */
    BacklogPolicy UNLIMITED = (backlog, nowNanos) -> Verdict.OK;
}
