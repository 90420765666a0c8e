package io.fanout.engine;

/**
 * What a {@link BacklogPolicy} decided about one backlog; the loop carries it out:
 * <ul>
 *   <li>{@link #OK}: nothing to do;</li>
 *   <li>{@link #dropTo}: drop whole unstarted messages, oldest first, down to
 *       {@link #dropToBytes()}, tell the protocol, count them, then ask
 *       {@link BacklogPolicy#judgeAfterDrop} (at most one drop per judgement);</li>
 *   <li>{@link #close}: mark the connection for closing with {@link #closeReason()}.</li>
 * </ul>
 *
 * <p>Immutable. Judging allocates nothing: OK and every close verdict are made once here,
 * and a policy makes its drop verdict once (its limits do not change).
 */
public final class Verdict {
    /** Kinds of verdict. */
    public enum Kind { OK, DROP, CLOSE }

    /** The backlog breaks no rule. */
    public static final Verdict OK = new Verdict(Kind.OK, null, 0, 0);

    private static final Verdict[] CLOSE = closeVerdicts();

    private final Kind kind;
    private final CloseReason closeReason;
    private final long dropToBytes;
    private final long thresholdBytes;

    private Verdict(Kind kind, CloseReason closeReason, long dropToBytes, long thresholdBytes) {
        this.kind = kind;
        this.closeReason = closeReason;
        this.dropToBytes = dropToBytes;
        this.thresholdBytes = thresholdBytes;
    }

    private static Verdict[] closeVerdicts() {
        CloseReason[] reasons = CloseReason.values();
        Verdict[] verdicts = new Verdict[reasons.length];
        for (CloseReason r : reasons) {
            verdicts[r.ordinal()] = new Verdict(Kind.CLOSE, r, 0, 0);
        }
        return verdicts;
    }

    /** Close with {@code reason}; the same instance every time. */
    public static Verdict close(CloseReason reason) {
        return CLOSE[reason.ordinal()];
    }

    /**
     * Drop down to {@code targetBytes}; {@code thresholdBytes} is the limit that tripped (the
     * {@code [DROP]} line reports it). Allocates: make it once and reuse it.
     */
    public static Verdict dropTo(long targetBytes, long thresholdBytes) {
        return new Verdict(Kind.DROP, null, targetBytes, thresholdBytes);
    }

    public Kind kind() {
        return kind;
    }

    public boolean isOk() {
        return kind == Kind.OK;
    }

    /** The reason of a close verdict, else null. */
    public CloseReason closeReason() {
        return closeReason;
    }

    /** The backlog to drop down to (drop verdicts). */
    public long dropToBytes() {
        return dropToBytes;
    }

    /** The limit that tripped (drop verdicts). */
    public long thresholdBytes() {
        return thresholdBytes;
    }

    @Override
    public String toString() {
        return switch (kind) {
            case OK -> "ok";
            case DROP -> "drop-to " + dropToBytes + " (threshold " + thresholdBytes + ")";
            case CLOSE -> "close " + closeReason.label();
        };
    }
}
