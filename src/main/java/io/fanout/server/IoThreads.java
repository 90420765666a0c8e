package io.fanout.server;

/**
 * The {@code --io-threads} rule: how many event loops a server runs.
 *
 * <p>{@code auto} (the default) is half the processors the JVM may use, at least one and at
 * most {@link #AUTO_MAX}. Half, because a broadcast server's other half of the work is the
 * kernel's: copying every delivery into socket buffers and running TCP for it, which on a
 * busy server takes about as much CPU as the loops themselves (softirq), plus the JVM's own
 * GC and compiler threads. {@link Runtime#availableProcessors()} already honours a cgroup CPU
 * limit and {@code taskset}, so a container or a pinned process gets loops for what it may
 * really use. On a 2-core box shared with its clients this is one loop, which measured best
 * there (docs/BENCHMARKS.md); the cap keeps a message's cost (one copy and one encode per
 * loop that has subscribers) bounded on very large machines.
 */
final class IoThreads {
    /** At most this many loops from {@code auto}; more can be asked for explicitly. */
    static final int AUTO_MAX = 16;
    /** The largest explicit count. */
    static final int MAX = 64;

    private IoThreads() {
    }

    /** Loops for {@code processors} usable processors under the auto rule. */
    static int auto(int processors) {
        return Math.max(1, Math.min(AUTO_MAX, processors / 2));
    }

    /**
     * Parses {@code --io-threads}: {@code auto} or a count from 1 to {@link #MAX}.
     *
     * @throws IllegalArgumentException with the message to show the user
     */
    static int parse(String value, int processors) {
        String v = value.trim();
        if (v.equalsIgnoreCase("auto")) {
            return auto(processors);
        }
        int n;
        try {
            n = Integer.parseInt(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--io-threads must be a number from 1 to " + MAX + " or auto, got '"
                    + value + "'", e);
        }
        if (n < 1 || n > MAX) {
            throw new IllegalArgumentException("--io-threads must be from 1 to " + MAX + " (or auto), got " + n);
        }
        return n;
    }
}
