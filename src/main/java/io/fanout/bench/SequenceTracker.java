package io.fanout.bench;

/**
 * One subscriber's view of every publisher's sequence: the next sequence it expects and a
 * 64-bit window of the most recent ones received (bit 0 is next-1, bit k is next-1-k), which
 * tells a late message (reordered: it fills a gap already counted as lost) from a repeated
 * one (duplicated) without a set per publisher.
 *
 * <p>Progress is the sum of the next expected sequences: it reaches the number of messages
 * published exactly when the last message of every publisher has arrived (gaps included).
 *
 * <p>Threads: the owning subscriber's loop thread.
 */
final class SequenceTracker {
    private final long[] nextSequence;
    private final long[] recentBits;

    long progress;
    long lost;
    long reordered;
    long duplicated;

    SequenceTracker(int publishers) {
        this.nextSequence = new long[publishers];
        this.recentBits = new long[publishers];
    }

    int publishers() {
        return nextSequence.length;
    }

    /** Messages of publisher p not seen beyond the last one received. */
    long missingAfterLast(int publisher, long published) {
        return published - nextSequence[publisher];
    }

    void onSequence(int p, long seq) {
        long expected = nextSequence[p];
        if (seq == expected) {
            nextSequence[p] = seq + 1;
            recentBits[p] = (recentBits[p] << 1) | 1;
            progress++;
        } else if (seq > expected) {
            onGap(p, seq, expected);
        } else {
            onLate(p, seq, expected);
        }
    }

    private void onGap(int p, long seq, long expected) {
        long gap = seq - expected;
        lost += gap;
        nextSequence[p] = seq + 1;
        recentBits[p] = (gap + 1 >= 64 ? 0 : recentBits[p] << (gap + 1)) | 1;
        progress += gap + 1;
    }

    private void onLate(int p, long seq, long expected) {
        long back = expected - 1 - seq;
        if (back >= 64) {
            reordered++; // too old to tell; it was counted as lost when skipped and stays so
            return;
        }
        long bit = 1L << back;
        if ((recentBits[p] & bit) != 0) {
            duplicated++;
        } else {
            reordered++;
            lost--;
            recentBits[p] |= bit;
        }
    }
}
