package io.fanout.broker;

import java.util.Arrays;

import io.fanout.engine.Frame;

/**
 * The subscribers of one topic on one loop, grouped by wire form so a delivery walks a plain
 * array and retains each shared frame once per form, not once per subscriber.
 * Loop thread only. Order among subscribers is not meaningful (removal swaps in the last).
 */
final class SubscriberList {
    private final Subscription[][] byForm;
    private final int[] countByForm;
    private int total;
    /**
     * Per form, the frame this turn's last message went out in, with one reference held
     * here, so the next message of the same turn can be appended to it (see TopicShard).
     */
    final Frame[] batchFrame;
    final long[] batchTurn;
    final long[] batchVersion;
    /** Changes with every add and remove: a batch is valid only for the same membership. */
    long version;

    SubscriberList(int formCount) {
        byForm = new Subscription[formCount][];
        countByForm = new int[formCount];
        batchFrame = new Frame[formCount];
        batchTurn = new long[formCount];
        batchVersion = new long[formCount];
    }

    void add(Subscription s) {
        version++;
        int f = s.form.index();
        Subscription[] arr = byForm[f];
        int n = countByForm[f];
        if (arr == null) {
            arr = new Subscription[4];
            byForm[f] = arr;
        } else if (n == arr.length) {
            arr = Arrays.copyOf(arr, n * 2);
            byForm[f] = arr;
        }
        arr[n] = s;
        s.slot = n;
        countByForm[f] = n + 1;
        total++;
    }

    void remove(Subscription s) {
        version++;
        int f = s.form.index();
        Subscription[] arr = byForm[f];
        int last = --countByForm[f];
        Subscription moved = arr[last];
        arr[s.slot] = moved;
        moved.slot = s.slot;
        arr[last] = null;
        s.slot = -1;
        total--;
    }

    int total() {
        return total;
    }

    int count(int form) {
        return countByForm[form];
    }

    Subscription[] subscribers(int form) {
        return byForm[form];
    }

    int formCount() {
        return countByForm.length;
    }
}
