package io.fanout.protocol.line;

import java.nio.ByteBuffer;

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
        for (int i = start + scannedBytes; i < limit; i++) {
            if (in.get(i) == '\n') {
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

    /** Forgets scan progress; call when the caller discards the buffered bytes. */
    public void reset() {
        scannedBytes = 0;
    }
}
