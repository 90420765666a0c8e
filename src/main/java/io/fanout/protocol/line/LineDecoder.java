package io.fanout.protocol.line;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Splits a byte stream into {@code \n}-terminated lines, dropping one {@code \r} before the
 * {@code \n}. Pure codec over a ByteBuffer: no sockets, no allocation.
 *
 * <p>Usage: call {@link #next} with the buffer in read mode; on a line, the content is
 * {@code [in.position(), in.position() + result)} and the caller advances the position by
 * {@link #consumedBytes()}. Remembers how far it has scanned an incomplete line so a long
 * line arriving in many reads is scanned once, not once per read.
 *
 * <p>Threads: one decoder per connection, used on its loop thread.
 */
public final class LineDecoder {
    /** No complete line yet; read more. */
    public static final int INCOMPLETE = -1;
    /** The line is longer than the limit; framing is lost, the connection should close. */
    public static final int TOO_LONG = -2;

    private int maxLineBytes;
    private int scannedBytes;
    private int consumedBytes;

    public LineDecoder(int maxLineBytes) {
        this.maxLineBytes = maxLineBytes;
    }

    public int maxLineBytes() {
        return maxLineBytes;
    }

    /**
     * Changes the limit for the lines that follow (a small one before authentication, the
     * message limit after). Call between lines, e.g. right after a line was consumed.
     */
    public void setMaxLineBytes(int maxLineBytes) {
        this.maxLineBytes = maxLineBytes;
    }

    /** Bytes the last complete line occupied, terminator included. */
    public int consumedBytes() {
        return consumedBytes;
    }

    /** Returns the length of the next line's content, {@link #INCOMPLETE} or {@link #TOO_LONG}. */
    public int next(ByteBuffer in) {
        int start = in.position();
        int limit = in.limit();
        int i = indexOfNewline(in, start + scannedBytes, limit);
        if (i >= 0) {
            int end = i;
            if (end > start && in.get(end - 1) == '\r') {
                end--;
            }
            scannedBytes = 0;
            int length = end - start;
            if (length > maxLineBytes) {
                return TOO_LONG;
            }
            consumedBytes = i + 1 - start;
            return length;
        }
        int pending = limit - start;
        // Room for the content plus "\r": anything longer can never become a legal line.
        if (pending > maxLineBytes + 1) {
            scannedBytes = 0;
            return TOO_LONG;
        }
        scannedBytes = pending;
        return INCOMPLETE;
    }

    private static final long LOW7 = 0x7F7F7F7F7F7F7F7FL;
    private static final long NEWLINES = 0x0A0A0A0A0A0A0A0AL;

    /**
     * The index of the first {@code \n} in {@code [from, limit)}, or -1. Eight bytes per step
     * (a line of a kilobyte is otherwise a thousand bounds-checked reads): a word XOR '\n'
     * has a zero byte exactly where a newline is, and {@code ~(((x & 0x7F..) + 0x7F..) | x | 0x7F..)}
     * sets the high bit of exactly those bytes (no carry crosses a byte, so no false hits).
     * The buffer's byte order says which end of the word comes first in memory.
     */
    static int indexOfNewline(ByteBuffer in, int from, int limit) {
        int i = from;
        boolean bigEndian = in.order() == ByteOrder.BIG_ENDIAN;
        for (; i <= limit - Long.BYTES; i += Long.BYTES) {
            long x = in.getLong(i) ^ NEWLINES;
            long zeros = ~(((x & LOW7) + LOW7) | x | LOW7);
            if (zeros != 0) {
                int skip = bigEndian ? Long.numberOfLeadingZeros(zeros) : Long.numberOfTrailingZeros(zeros);
                return i + (skip >>> 3);
            }
        }
        for (; i < limit; i++) {
            if (in.get(i) == '\n') {
                return i;
            }
        }
        return -1;
    }

    /** Forgets scan progress; call when the caller discards the buffered bytes. */
    public void reset() {
        scannedBytes = 0;
    }
}
