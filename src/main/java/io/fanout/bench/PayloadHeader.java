package io.fanout.bench;

import java.nio.ByteBuffer;

/**
 * The fixed header every bench payload starts with, in printable ASCII so the same payload
 * is a valid line for the line protocol (no {@code \n}, no {@code \r}) and a binary-safe
 * RESP bulk string:
 *
 * <pre>
 *   offset 0    1..8          9..12         13..28            29..44
 *          'B'  run tag       publisher id  sequence number   send time (System.nanoTime)
 *               8 hex digits  4 hex digits  16 hex digits     16 hex digits (two's complement)
 *   then '.' up to the payload size
 * </pre>
 *
 * <p>The run tag is random per run: a shared server (the Redis on 6379, used by tests and
 * by people) may carry another bench's messages on the same channel, and those must be
 * counted as foreign, not as reordered or duplicated deliveries of this run.
 *
 * <p>Hex, not decimal, because a fixed width keeps encode and decode branch-free (eight
 * digits per long, see {@link #hex8}) and a {@code nanoTime} may be negative. The decoder is an instance (one per subscriber loop
 * thread) so a decode returns three values without allocating.
 *
 * <p>Threads: encode is static and stateless; a decoder instance belongs to one thread.
 */
final class PayloadHeader {
    static final byte MARK = 'B';
    static final byte PAD = '.';
    static final int TAG_DIGITS = 8;
    static final int PUBLISHER_DIGITS = 4;
    static final int SEQUENCE_DIGITS = 16;
    static final int TIME_DIGITS = 16;
    /** 45: the smallest payload the bench can send. */
    static final int BYTES = 1 + TAG_DIGITS + PUBLISHER_DIGITS + SEQUENCE_DIGITS + TIME_DIGITS;
    static final int MAX_PUBLISHERS = 1 << (4 * PUBLISHER_DIGITS);

    private static final byte[] HEX = "0123456789abcdef".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

    /** This run's tag as its eight ASCII digits, big-endian: compared whole, never decoded. */
    private final long runTagWord;

    /** Set by the last successful {@link #tryDecode}. */
    int publisher;
    long sequence;
    long sentNanos;

    /** A decoder that accepts only payloads of the run tagged runTag. */
    PayloadHeader(int runTag) {
        ByteBuffer tag = ByteBuffer.allocate(TAG_DIGITS);
        putHex(tag, runTag & 0xFFFF_FFFFL, TAG_DIGITS);
        this.runTagWord = tag.getLong(0);
    }

    /**
     * Writes the header at dst's position and advances it by {@link #BYTES}. The caller pads
     * the rest of the payload.
     */
    static void encode(ByteBuffer dst, int runTag, int publisher, long sequence, long sentNanos) {
        dst.put(MARK);
        putHex(dst, runTag & 0xFFFF_FFFFL, TAG_DIGITS);
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
     * Reads a header from src[offset, offset+length) without moving src's position. src must
     * be big-endian (the ByteBuffer default): the digits are read eight at a time.
     *
     * @return false when the bytes are not a payload of this run (too short, wrong mark,
     *         another run's tag, not lowercase hex): foreign traffic on the channel, counted
     *         but never measured
     */
    boolean tryDecode(ByteBuffer src, int offset, int length) {
        if (length < BYTES || src.get(offset) != MARK || src.getLong(offset + 1) != runTagWord) {
            return false;
        }
        long p = hex8(ZERO_DIGITS | (src.getInt(offset + 9) & 0xFFFF_FFFFL));
        long seqHigh = hex8(src.getLong(offset + 13));
        long seqLow = hex8(src.getLong(offset + 21));
        long timeHigh = hex8(src.getLong(offset + 29));
        long timeLow = hex8(src.getLong(offset + 37));
        if ((p | seqHigh | seqLow | timeHigh | timeLow) < 0) {
            return false;
        }
        publisher = (int) p;
        sequence = seqHigh << 32 | seqLow;
        sentNanos = timeHigh << 32 | timeLow;
        return true;
    }

    private static final long ONES = 0x0101_0101_0101_0101L;
    private static final long HIGH_BITS = 0x8080_8080_8080_8080L;
    private static final long LOW_NIBBLES = 0x0F0F_0F0F_0F0F_0F0FL;
    /** "0000" in the upper four bytes: widens four digits to eight. */
    private static final long ZERO_DIGITS = 0x3030_3030_0000_0000L;

    /**
     * Eight lowercase hex digits packed big-endian in a long to their value, or -1 if any
     * byte is not one. SWAR: every byte is below 0x80, so adding a constant under 0x80 never
     * carries into the next byte, and bit 7 of each sum answers "is this byte >= c" at once.
     */
    static long hex8(long x) {
        if ((x & HIGH_BITS) != 0) {
            return -1;
        }
        long digit = (x + ONES * (0x80 - '0')) & ~(x + ONES * (0x7F - '9'));
        long letter = (x + ONES * (0x80 - 'a')) & ~(x + ONES * (0x7F - 'f'));
        if (((digit | letter) & HIGH_BITS) != HIGH_BITS) {
            return -1;
        }
        long v = (x & LOW_NIBBLES) + ((letter & HIGH_BITS) >>> 7) * 9; // 'a' = 0x61: 1 + 9
        v = (v | (v >>> 4)) & 0x00FF_00FF_00FF_00FFL;
        v = (v | (v >>> 8)) & 0x0000_FFFF_0000_FFFFL;
        return (v | (v >>> 16)) & 0xFFFF_FFFFL;
    }
}
