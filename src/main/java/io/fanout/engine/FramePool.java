package io.fanout.engine;

import java.nio.ByteBuffer;

/**
 * Recycles {@link Frame}s in a few size classes, so that message memory is reused at once
 * instead of waiting for a garbage collection (see {@link Frame}).
 *
 * <p>Threads: one pool per event loop, touched only by that loop's thread (or, before the
 * loops start and after they stop, by the thread that owns the engine). Frames never leave
 * their loop (see {@link Frame}), so no lock is ever taken.
 *
 * <p>Frames up to {@link #MAX_POOLED_BYTES} are direct buffers, so a gathering write hands
 * them to the kernel without the JDK's copy into a temporary direct buffer. Larger ones are
 * rare (one message over 128 KiB) and use the heap: the JDK copies them for the write and
 * the GC frees them like any other heap object.
 *
 * <p>The classes share {@code maxRetainedBytes} equally: each keeps at most its share divided
 * by its size in idle frames (never fewer than 4); beyond that a
 * recycled frame is dropped (and its direct memory is reclaimed by the GC, bounded by
 * -XX:MaxDirectMemorySize in the launcher).
 */
public final class FramePool {
    /** Class sizes: 128 B, 512 B, 2 KiB, 8 KiB, 32 KiB, 128 KiB. */
    private static final int[] CLASS_BYTES = {128, 512, 2048, 8192, 32768, 131072};
    public static final int MAX_POOLED_BYTES = CLASS_BYTES[CLASS_BYTES.length - 1];

    private final Frame[][] idle = new Frame[CLASS_BYTES.length][];
    private final int[] idleCount = new int[CLASS_BYTES.length];
    private long allocatedDirectBytes;

    public FramePool(long maxRetainedBytes) {
        for (int c = 0; c < CLASS_BYTES.length; c++) {
            // The retained budget is shared by the classes: an idle pool never holds more.
            long share = maxRetainedBytes / CLASS_BYTES.length;
            int slots = (int) Math.max(4, Math.min(1 << 20, share / CLASS_BYTES[c]));
            idle[c] = new Frame[slots];
        }
    }

    /** A frame with one reference and room for at least {@code bytes}. */
    public Frame acquire(int bytes) {
        int c = classFor(bytes);
        if (c < 0) {
            Frame f = new Frame(ByteBuffer.allocate(bytes), -1);
            f.reset();
            return f;
        }
        Frame f;
        int n = idleCount[c];
        if (n > 0) {
            f = idle[c][--n];
            idle[c][n] = null;
            idleCount[c] = n;
        } else {
            f = allocate(c);
        }
        f.reset();
        return f;
    }

    private Frame allocate(int c) {
        try {
            Frame f = new Frame(ByteBuffer.allocateDirect(CLASS_BYTES[c]), c);
            allocatedDirectBytes += CLASS_BYTES[c];
            return f;
        } catch (OutOfMemoryError directMemoryExhausted) {
            // -XX:MaxDirectMemorySize reached even after the GC the JDK ran for us: serve this
            // message from the heap (slower write, same bytes) rather than fail the loop.
            return new Frame(ByteBuffer.allocate(CLASS_BYTES[c]), -1);
        }
    }

    void recycle(Frame f) {
        int c = f.sizeClass;
        if (c < 0) {
            return;
        }
        int n = idleCount[c];
        if (n < idle[c].length) {
            idle[c][n] = f;
            idleCount[c] = n + 1;
        } else {
            allocatedDirectBytes -= CLASS_BYTES[c];
        }
    }

    /** Direct bytes this pool has allocated and not dropped; a gauge for memory accounting. */
    public long allocatedDirectBytes() {
        return allocatedDirectBytes;
    }

    /** Idle frames held, all classes together. */
    public int idleFrames() {
        int sum = 0;
        for (int n : idleCount) {
            sum += n;
        }
        return sum;
    }

    private static int classFor(int bytes) {
        for (int c = 0; c < CLASS_BYTES.length; c++) {
            if (bytes <= CLASS_BYTES[c]) {
                return c;
            }
        }
        return -1;
    }
}
