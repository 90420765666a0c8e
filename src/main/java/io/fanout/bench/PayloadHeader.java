package io.fanout.bench;

import java.nio.ByteBuffer;

/**
 * The fixed header every bench payload starts with, in printable ASCII so the same payload
 * is a valid line for the line protocol (no {@code \n}, no {@code \r}) and a binary-safe
 * RESP bulk string:
 *
 * <pre>
 *   offset 0      1..4          5..20              21..36
 *          'B'    publisher id  sequence number    send time (System.nanoTime)
 *                 4 hex digits  16 hex digits      16 hex digits (two's complement)
 *   then '.' up to the payload size
 * </pre>
 *
 * <p>Hex, not decimal, because a fixed width keeps encode and decode branch-free and a
 * {@code nanoTime} may be negative. The decoder is an instance (one per subscriber loop
 * thread) so a decode returns three values without allocating.
 *
 * <p>Threads: encode is static and stateless; a decoder instance belongs to one thread.
 */
final class PayloadHeader {
    static final byte MARK = 'B';
    static final byte PAD = '.';
    static final int PUBLISHER_DIGITS = 4;
    static final int SEQUENCE_DIGITS = 16;
    static final int TIME_DIGITS = 16;
    /** 37: the smallest payload the bench can send. */
    static final int BYTES = 1 + PUBLISHER_DIGITS + SEQUENCE_DIGITS + TIME_DIGITS;
    static final int MAX_PUBLISHERS = 1 << (4 * PUBLISHER_DIGITS);

    private static final byte[] HEX = "0123456789abcdef".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    /** Byte to nibble; -1 for anything that is not a hex digit (either case). */
    private static final int[] NIBBLE = new int[256];

    static {
        java.util.Arrays.fill(NIBBLE, -1);
        for (int i = 0; i < 10; i++) {
            NIBBLE['0' + i] = i;
        }
        for (int i = 0; i < 6; i++) {
            NIBBLE['a' + i] = 10 + i;
            NIBBLE['A' + i] = 10 + i;
        }
    }

    /** Set by the last successful {@link #tryDecode}. */
    int publisher;
    long sequence;
    long sentNanos;

    /**
     * Writes the header at dst's position and advances it by {@link #BYTES}. The caller pads
     * the rest of the payload.
     */
    static void encode(ByteBuffer dst, int publisher, long sequence, long sentNanos) {
        dst.put(MARK);
        putHex(dst, publisher, PUBLISHER_DIGITS);
        putHex(dst, sequence, SEQUENCE_DIGITS);
        putHex(dst, sentNanos, TIME_DIGITS);
    }

    private static void putHex(ByteBuffer dst, long value, int digits) {
        for (int shift = 4 * (digits - 1); shift >= 0; shift -= 4) {
            dst.put(HEX[(int) (value >>> shift) & 0xF]);
        }
    }

    /**
     * Reads a header from src[offset, offset+length) without moving src's position.
     *
     * @return false when the bytes are not a bench payload (too short, wrong mark, not hex):
     *         foreign traffic on the channel, counted but never measured
     */
    boolean tryDecode(ByteBuffer src, int offset, int length) {
        if (length < BYTES || src.get(offset) != MARK) {
            return false;
        }
        int bad = 0;
        int i = offset + 1;
        int p = 0;
        for (int end = i + PUBLISHER_DIGITS; i < end; i++) {
            int n = NIBBLE[src.get(i) & 0xFF];
            bad |= n;
            p = (p << 4) | n;
        }
        long seq = 0;
        for (int end = i + SEQUENCE_DIGITS; i < end; i++) {
            int n = NIBBLE[src.get(i) & 0xFF];
            bad |= n;
            seq = (seq << 4) | n;
        }
        long t = 0;
        for (int end = i + TIME_DIGITS; i < end; i++) {
            int n = NIBBLE[src.get(i) & 0xFF];
            bad |= n;
            t = (t << 4) | n;
        }
        if (bad < 0) { // some nibble was -1: its sign bit survives the OR
            return false;
        }
        publisher = p;
        sequence = seq;
        sentNanos = t;
        return true;
    }
}
