package io.fanout.bench;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * What the threads of one run share: the schedule, the publishers' total and every
 * subscriber's progress. Each field has one writer:
 *
 * <ul>
 *   <li>schedule: the coordinating thread, before publishing starts ({@link #arm});</li>
 *   <li>{@link #publishedTotal}, {@link #publishingDone}: the publisher loop;</li>
 *   <li>{@link #progress} slot i: the loop that owns subscriber i (lazy writes, once per read).</li>
 * </ul>
 *
 * <p>Progress of a subscriber is the sum over publishers of the next sequence it expects:
 * it reaches {@link #publishedTotal} exactly when the last message of every publisher has
 * arrived. Slots {@code [0, healthy)} are the healthy subscribers, the rest the stalled ones;
 * a cut subscriber's slot is {@link Long#MAX_VALUE} so it no longer holds anyone back.
 */
final class RunState {
    static final long CUT = Long.MAX_VALUE;

    final int healthy;
    /** Random per run, carried by every payload: tells this run's messages from another's. */
    final int runTag = java.util.concurrent.ThreadLocalRandom.current().nextInt();
    final AtomicLongArray progress;
    /** Counted down once per subscriber: subscribed (or probed), failed, or cut during setup. */
    final CountDownLatch setup;
    final AtomicLong publishedTotal = new AtomicLong();
    volatile boolean publishingDone;

    private volatile long startNanos;
    private volatile long measureStartNanos;
    private volatile long measureEndNanos;

    RunState(int healthy, int stalled) {
        this.healthy = healthy;
        this.progress = new AtomicLongArray(healthy + stalled);
        this.setup = new CountDownLatch(healthy + stalled);
    }

    /** Fixes the schedule; called once, before the publishers are told to start. */
    void arm(long startNanos, long warmupNanos, long durationNanos) {
        this.measureStartNanos = startNanos + warmupNanos;
        this.measureEndNanos = startNanos + warmupNanos + durationNanos;
        this.startNanos = startNanos;
    }

    long startNanos() {
        return startNanos;
    }

    long measureStartNanos() {
        return measureStartNanos;
    }

    long measureEndNanos() {
        return measureEndNanos;
    }

    /** Smallest progress among healthy subscribers still connected (CUT if there is none). */
    long slowestHealthyProgress() {
        long min = CUT;
        for (int i = 0; i < healthy; i++) {
            long p = progress.get(i);
            if (p < min) {
                min = p;
            }
        }
        return min;
    }

    /** True when every subscriber in [from, to) has everything published, or was cut. */
    boolean caughtUp(int from, int to) {
        long total = publishedTotal.get();
        for (int i = from; i < to; i++) {
            if (progress.get(i) < total) {
                return false;
            }
        }
        return true;
    }
}
