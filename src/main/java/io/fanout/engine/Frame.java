package io.fanout.engine;

import java.nio.ByteBuffer;

/**
 * One encoded message in one wire form: the bytes every recipient of that form receives.
 *
 * <p>A frame is written once (by the thread that encodes it) and then only read. Each write
 * queue that holds it owns one reference; the last {@link #release} hands the frame back to
 * a {@link FramePool}, so message memory is recycled instead of waiting for the GC (a direct
 * buffer left to the GC is freed only when a collection happens to run, which on a busy
 * broadcaster that allocates little may be minutes away while RSS grows).
 *
 * <p>Threads: a frame never leaves the loop that encoded it. A message published on another
 * loop is re-encoded there from a copy of its payload (once per message per loop), so every
 * queue holding a frame belongs to the same loop, and the reference count is a plain int:
 * no atomic instruction per delivery.
 *
 * <p>Invariant: a frame appears at most once in any one write queue, so a loop can position
 * its view for the one write that includes it.
 */
public final class Frame {
    private final ByteBuffer storage;
    /** Positioned for each write; separate from storage so absolute puts keep working. */
    private final ByteBuffer writeView;
    /** Size class index in the pool, or -1 for an unpooled (oversized, heap) frame. */
    final int sizeClass;
    private int length;
    private int refs;
    /** True while exactly one write queue may append to this frame (private reply frames). */
    boolean appendable;
    /**
     * A frame private to one queue (a reply, an error, a notice), as opposed to a published
     * message: drop-oldest never drops it, or a client would match replies to the wrong requests.
     */
    boolean privateCopy;
    /** Published messages in this frame: more than one when the broker batched a turn's messages. */
    private int messages;
    /** Queues whose last frame this is (kept by WriteQueue); lets the broker batch in O(1). */
    int tailHolders;

    Frame(ByteBuffer storage, int sizeClass) {
        this.storage = storage;
        this.writeView = storage.duplicate();
        this.sizeClass = sizeClass;
    }

    /** Capacity of the underlying storage. */
    public int capacity() {
        return storage.capacity();
    }

    public int length() {
        return length;
    }

    /** Free bytes after the content; only meaningful while the frame is being filled. */
    public int writableBytes() {
        return storage.capacity() - length;
    }

    /** Appends bytes; only the thread that owns the frame before publication may call it. */
    public Frame put(byte[] src, int off, int len) {
        storage.put(length, src, off, len);
        length += len;
        return this;
    }

    public Frame put(byte[] src) {
        return put(src, 0, src.length);
    }

    public Frame put(byte b) {
        storage.put(length, b);
        length++;
        return this;
    }

    /** Appends src's remaining bytes without moving src's position. */
    public Frame put(ByteBuffer src) {
        int n = src.remaining();
        storage.put(length, src, src.position(), n);
        length += n;
        return this;
    }

    /** Appends {@code len} bytes of src from absolute index {@code index}, moving nothing. */
    public Frame put(ByteBuffer src, int index, int len) {
        storage.put(length, src, index, len);
        length += len;
        return this;
    }

    /** Copies content bytes [from, from+len) into dst, for tests and tools. */
    public void copyTo(int from, byte[] dst, int dstOff, int len) {
        storage.get(from, dst, dstOff, len);
    }

    /** The content from {@code offset} to the end, positioned for one gathering write. */
    ByteBuffer view(int offset) {
        writeView.limit(length).position(offset);
        return writeView;
    }

    /** Counts one more published message written into this frame. */
    public void countMessage() {
        messages++;
    }

    /** Published messages in this frame (0 for replies and notices). */
    public int messageCount() {
        return messages;
    }

    /** How many write queues currently end with this frame. */
    public int tailHolders() {
        return tailHolders;
    }

    public int refCount() {
        return refs;
    }

    /** Adds {@code n} references, one per queue that is about to hold the frame. */
    public void retain(int n) {
        refs += n;
    }

    /** Drops one reference; the last one recycles the frame into {@code pool}. */
    public void release(FramePool pool) {
        int left = --refs;
        if (left == 0) {
            pool.recycle(this);
        } else if (left < 0) {
            throw new IllegalStateException("frame released more often than retained");
        }
    }

    void reset() {
        length = 0;
        appendable = false;
        privateCopy = false;
        messages = 0;
        tailHolders = 0;
        refs = 1;
    }
}
