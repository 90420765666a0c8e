package io.fanout.engine;

/**
 * Plain counters of one loop. Written only by the loop's thread; other threads read them as
 * a racy snapshot (metrics tolerate a value one turn old, and a lock or atomic on the hot
 * path would cost every message).
 */
public final class LoopStats {
    public long accepted;
    public long rejected;
    public long bytesRead;
    public long bytesWritten;
    public long writeCalls;
    public long deliveries;
    public long published;
    public long droppedMessages;
    public long turns;
    public long lastTurnNanos;
    public long maxTurnNanos;
    public final long[] closedByReason = new long[CloseReason.values().length];

    /** One turn done, {@code spentNanos} of work (the inbox and everything after the select). */
    void countTurn(long spentNanos) {
        turns++;
        lastTurnNanos = spentNanos;
        if (spentNanos > maxTurnNanos) {
            maxTurnNanos = spentNanos;
        }
    }

    public long closed(CloseReason reason) {
        return closedByReason[reason.ordinal()];
    }
}
