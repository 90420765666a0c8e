package io.fanout.broker;

import java.util.Arrays;

import io.fanout.engine.Frame;

/**
 * The subscribers of one topic on one loop, grouped by wire form so a delivery walks a plain
 * array range and retains each shared frame once per form, not once per subscriber.
 * Loop thread only. Order among subscribers is not meaningful (removal swaps in the last).
 *
 * <p>Layout, chosen for memory (a loop may hold a million topics): one array holds every
 * subscriber, form 0's first, then form 1's, and so on; {@code countByForm} gives the run
 * lengths. Adding or removing moves at most one subscriber per form to keep the runs
 * contiguous. The burst-batching state exists only once the topic has had a burst.
 *
 * <pre>
 *   subs: [ line line | resp2 | resp3 resp3 resp3 | null null ]   countByForm = {2, 1, 3}
 * </pre>
 */
final class SubscriberList extends TopicEntry {
    private Subscription[] subs;
    private final int[] countByForm;
    private int total;
    /**
     * Per form, the frame this turn's last message went out in, with one reference held
     * here, so the next message of the same turn can be appended to it (see TopicShard).
     * Null until the topic's first burst. Every frame here is from the current turn: the
     * shard releases them when the turn ends (at its next delivery) and whenever the
     * membership changes, so a topic published to once keeps no frame.
     */
    Frame[] batchFrame;
    /** Whether the shard has this list in its register of lists holding batch frames. */
    boolean batchRegistered;
    /** Position in the shard's pattern array (patterns only), for O(1) removal. */
    int patternIndex = -1;

    SubscriberList(TopicName topic, int formCount) {
        super(topic);
        countByForm = new int[formCount];
        subs = new Subscription[2];
    }

    void add(Subscription s) {
        if (total == subs.length) {
            subs = Arrays.copyOf(subs, total * 2);
        }
        int form = s.form.index();
        // Open a hole at the end of the form's run: each later run hands its first member to
        // its own end, walking the hole down from the end of the array.
        int hole = total;
        int runStart = total;
        for (int f = countByForm.length - 1; f > form; f--) {
            runStart -= countByForm[f];
            if (countByForm[f] > 0) {
                move(runStart, hole);
            }
            hole = runStart;
        }
        subs[hole] = s;
        s.slot = hole;
        countByForm[form]++;
        total++;
    }

    void remove(Subscription s) {
        int form = s.form.index();
        // Fill the hole with the last member of the same run, then let each later run fill
        // the hole before it with its own last member, so the hole ends at the array's end.
        int runEnd = 0;
        for (int f = 0; f <= form; f++) {
            runEnd += countByForm[f];
        }
        int hole = s.slot;
        move(runEnd - 1, hole);
        hole = runEnd - 1;
        for (int f = form + 1; f < countByForm.length; f++) {
            runEnd += countByForm[f];
            if (countByForm[f] > 0) {
                move(runEnd - 1, hole);
                hole = runEnd - 1;
            }
        }
        subs[hole] = null;
        s.slot = -1;
        countByForm[form]--;
        total--;
        if (total > 0 && total * 4 < subs.length && subs.length > 2) {
            subs = Arrays.copyOf(subs, Math.max(2, total * 2));
        }
    }

    private void move(int from, int to) {
        if (from != to) {
            Subscription moved = subs[from];
            subs[to] = moved;
            moved.slot = to;
        }
    }

    int total() {
        return total;
    }

    int count(int form) {
        return countByForm[form];
    }

    /** Every subscriber; form {@code f}'s run starts after the counts of the forms before it. */
    Subscription[] subscribers() {
        return subs;
    }

    int formCount() {
        return countByForm.length;
    }
}
