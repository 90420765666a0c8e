package io.fanout.engine;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.GatheringByteChannel;

/**
 * One connection's outbound backlog: the lesson's {@code send_buf}, without copies.
 *
 * <p>The queue holds references to shared, read-only {@link Frame}s plus the offset of the
 * first unwritten byte of the head frame. It knows its bytes, its head offset and when the
 * kernel last accepted a byte; it decides nothing. Whether a backlog is too large is the
 * business of a {@link BacklogPolicy}, asked after each write attempt.
 *
 * <pre>
 *   frames:  [ head | f1 | f2 | ... | tail ]      pendingBytes() = sum(lengths) - headOffset
 *              ^ headOffset bytes already written
 *
 *   pendingBytes() = counted + (tail.length - tailCounted)
 * </pre>
 * The tail frame may grow after it was queued (private replies coalescing, or the broker
 * appending the next message of a burst to a frame all its subscribers end with), so its
 * growth is counted lazily: no work per subscriber when a shared frame grows.
 * <pre>
 * </pre>
 *
 * <p>Threads: owned by the loop thread of its connection; not thread-safe.
 */
public final class WriteQueue {
    /** At most this many buffers per gathering write: IOV_MAX on Linux is 1024. */
    static final int MAX_GATHER = 1024;

    private final FramePool pool;
    private Frame[] ring = new Frame[16];
    private int headIndex;
    private int size;
    private int headOffset;
    /** Counted backlog: everything but the tail's growth since {@link #tailCounted}. */
    private long pendingBytes;
    /** The tail frame's length when last counted. */
    private int tailCounted;
    private long lastProgressNanos;
    private long droppedMessages;
    private long bytesWritten;
    /** An unsent "messages were dropped here" notice at the front, and how many it reports. */
    private Frame gapNotice;
    private long gapNoticeCount;
    private long lastGapSize;

    public WriteQueue(FramePool pool) {
        this.pool = pool;
    }

    /** Bytes queued that the kernel has not taken yet. */
    public long pendingBytes() {
        return size == 0 ? pendingBytes : pendingBytes + (tail().length() - tailCounted);
    }

    /** Counts the tail's growth into {@link #pendingBytes}; before any change to the queue. */
    private void fold() {
        if (size > 0) {
            int length = tail().length();
            pendingBytes += length - tailCounted;
            tailCounted = length;
        }
    }

    public boolean isEmpty() {
        return size == 0;
    }

    /** Frames in the queue (including a partially written head). */
    public int frameCount() {
        return size;
    }

    /** When a write last moved at least one byte (or when the backlog began, if later). */
    public long lastProgressNanos() {
        return lastProgressNanos;
    }

    public long droppedMessages() {
        return droppedMessages;
    }

    public long bytesWritten() {
        return bytesWritten;
    }

    /**
     * Appends a shared frame. The caller has already counted this queue's reference
     * ({@link Frame#retain}); the queue releases it when written or discarded.
     */
    public void enqueue(Frame frame, long nowNanos) {
        if (size == 0) {
            // A backlog that starts now has made no progress yet, but it is not stalled either.
            lastProgressNanos = nowNanos;
        }
        push(frame);
        pendingBytes += frame.length();
    }

    /** The last frame queued, or null when empty. */
    public Frame tail() {
        return size == 0 ? null : ring[(headIndex + size - 1) & (ring.length - 1)];
    }

    /**
     * Copies bytes into a frame private to this queue, appending to the tail when it is a
     * private frame with room (pipelined replies coalesce into one buffer).
     */
    public void appendCopy(byte[] src, int off, int len, long nowNanos) {
        if (len == 0) {
            return;
        }
        if (size == 0) {
            lastProgressNanos = nowNanos;
        }
        Frame tail = size == 0 ? null : ring[(headIndex + size - 1) & (ring.length - 1)];
        if (tail != null && tail.appendable && tail.writableBytes() >= len) {
            tail.put(src, off, len); // counted lazily: the tail grew
        } else {
            Frame f = pool.acquire(Math.max(len, 512));
            f.appendable = true;
            f.privateCopy = true;
            f.put(src, off, len);
            push(f);
            pendingBytes += len;
        }
    }

    private void push(Frame frame) {
        if (size == ring.length) {
            grow();
        }
        fold();
        Frame tail = size == 0 ? null : ring[(headIndex + size - 1) & (ring.length - 1)];
        if (tail != null) {
            tail.appendable = false; // a shared frame follows it: appending now would reorder
            tail.tailHolders--;
        }
        ring[(headIndex + size) & (ring.length - 1)] = frame;
        size++;
        frame.tailHolders++;
        tailCounted = frame.length();
    }

    private void grow() {
        Frame[] bigger = new Frame[ring.length * 2];
        for (int i = 0; i < size; i++) {
            bigger[i] = ring[(headIndex + i) & (ring.length - 1)];
        }
        ring = bigger;
        headIndex = 0;
    }

    /**
     * One gathering write of up to {@link #MAX_GATHER} frames and {@code maxBytes} bytes.
     * Fully written frames are released; a partial write leaves the head offset at the exact
     * next byte. Returns bytes written (0 when the kernel's send buffer is full).
     *
     * @param scratch a loop-owned array of at least {@link #MAX_GATHER} slots, cleared after use
     */
    public long flush(GatheringByteChannel out, ByteBuffer[] scratch, long maxBytes, long nowNanos)
            throws IOException {
        if (size == 0) {
            return 0;
        }
        int n = 0;
        long offered = 0;
        int mask = ring.length - 1;
        while (n < size && n < MAX_GATHER && offered < maxBytes) {
            Frame f = ring[(headIndex + n) & mask];
            int from = n == 0 ? headOffset : 0;
            scratch[n] = f.view(from);
            offered += f.length() - from;
            n++;
        }
        long written;
        try {
            written = out.write(scratch, 0, n);
        } finally {
            java.util.Arrays.fill(scratch, 0, n, null);
        }
        if (written > 0) {
            consume(written);
            lastProgressNanos = nowNanos;
            bytesWritten += written;
        }
        return written;
    }

    /** Advances past {@code written} bytes, releasing frames that are complete. */
    private void consume(long written) {
        fold();
        pendingBytes -= written;
        long left = written;
        while (left > 0) {
            Frame head = ring[headIndex];
            int rest = head.length() - headOffset;
            if (left >= rest) {
                left -= rest;
                popHead();
            } else {
                headOffset += (int) left;
                left = 0;
            }
        }
        if (size == 0) {
            headIndex = 0;
        }
    }

    private void popHead() {
        Frame head = ring[headIndex];
        if (head == gapNotice) {
            gapNotice = null;
        }
        if (size == 1) {
            head.tailHolders--; // the head was also the tail
            tailCounted = 0;
        }
        ring[headIndex] = null;
        headIndex = (headIndex + 1) & (ring.length - 1);
        size--;
        headOffset = 0;
        head.release(pool);
    }

    /**
     * Drops whole published messages that no byte of has been written, oldest first, until
     * the backlog is at most {@code targetBytes}. Never dropped: a partly written head (the
     * peer would see a torn frame) and private frames (replies and errors: a client would
     * match the remaining replies to the wrong requests). Order of what stays is kept.
     * Returns the number of messages dropped (a batched frame holds several).
     */
    public int dropOldestUnstarted(long targetBytes) {
        fold();
        Frame oldTail = tail();
        int mask = ring.length - 1;
        int first = headOffset == 0 ? 0 : 1;
        int dropped = 0;
        long carried = 0;
        int kept = first;
        for (int i = first; i < size; i++) {
            int from = (headIndex + i) & mask;
            Frame f = ring[from];
            ring[from] = null;
            boolean isGapNotice = f == gapNotice;
            if (pendingBytes > targetBytes && (!f.privateCopy || isGapNotice)) {
                pendingBytes -= f.length();
                if (isGapNotice) {
                    // An earlier notice not yet sent: its count joins the new gap's count.
                    carried += gapNoticeCount;
                    gapNotice = null;
                } else {
                    dropped += Math.max(1, f.messageCount());
                }
                f.release(pool);
            } else {
                ring[(headIndex + kept) & mask] = f;
                kept++;
            }
        }
        size = kept;
        Frame newTail = tail();
        if (newTail != oldTail) {
            oldTail.tailHolders--; // dropped (its reference is gone, the count must follow)
            if (newTail != null) {
                newTail.tailHolders++;
            }
        }
        tailCounted = newTail == null ? 0 : newTail.length();
        if (size == 0) {
            headIndex = 0;
            headOffset = 0;
        }
        lastGapSize = dropped + carried;
        droppedMessages += dropped;
        return dropped;
    }

    /**
     * Puts a private copy of {@code src} at the front of what is still unsent: right after a
     * partly written head (which must finish first, or the peer sees a torn frame), else
     * before everything. Used for notices that belong where a gap is, such as "N messages
     * were dropped here".
     */
    public void insertFront(byte[] src, long nowNanos) {
        Frame f = pool.acquire(src.length);
        f.privateCopy = true;
        f.put(src, 0, src.length);
        if (size == 0) {
            lastProgressNanos = nowNanos;
            push(f);
            pendingBytes += src.length;
            return;
        }
        if (size == ring.length) {
            grow();
        }
        int mask = ring.length - 1;
        int before = (headIndex - 1) & mask;
        if (headOffset == 0) {
            ring[before] = f;
        } else {
            ring[before] = ring[headIndex];
            ring[headIndex] = f;
        }
        headIndex = before;
        size++;
        pendingBytes += src.length;
    }

    /**
     * Messages missing at the front after the last {@link #dropOldestUnstarted}: those it
     * dropped plus those an unsent earlier notice (dropped with them) reported.
     */
    public long lastGapSize() {
        return lastGapSize;
    }

    /** Inserts a notice at the gap (see {@link #insertFront}) that reports {@code count} messages. */
    public void insertGapNotice(byte[] notice, long count, long nowNanos) {
        insertFront(notice, nowNanos);
        gapNotice = ring[headOffset == 0 ? headIndex : (headIndex + 1) & (ring.length - 1)];
        gapNoticeCount = count;
    }

    /** Releases every frame; the queue is empty afterwards. Used when a connection closes. */
    public void releaseAll() {
        fold();
        gapNotice = null;
        while (size > 0) {
            popHead();
        }
        headIndex = 0;
        pendingBytes = 0;
    }
}
