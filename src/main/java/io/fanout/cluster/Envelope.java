package io.fanout.cluster;

import java.nio.ByteBuffer;

import io.fanout.broker.TopicKind;

/**
 * The 20 bytes a node puts in front of every message it relays through Redis, so that it
 * can recognise (and skip) its own messages when Redis sends them back, and so that a
 * receiving node knows the message's kind and age:
 *
 * <pre>
 *   0      1   2   3      4 .. 11            12 .. 19                     20 ..
 *  +------+---+---+------+------------------+----------------------------+---------+
 *  | 0x00 | f | o | kind | node id (64 bit) | published at, epoch micros | payload |
 *  +------+---+---+------+------------------+----------------------------+---------+
 *  kind: 'c' = channel (PUBLISH, line), 's' = shard channel (SPUBLISH)
 * </pre>
 *
 * Integers are big-endian. A message that does not start with {@code 00 66 6f} followed by
 * {@code c} or {@code s} and is at least 20 bytes long is not an envelope: it was published
 * by a plain Redis client and is delivered exactly as it is.
 *
 * <p>Stateless; all methods are thread-safe.
 */
final class Envelope {
    static final int HEADER_BYTES = 20;
    private static final byte MAGIC_0 = 0x00;
    private static final byte MAGIC_1 = 'f';
    private static final byte MAGIC_2 = 'o';
    static final byte KIND_CHANNEL = 'c';
    static final byte KIND_SHARD = 's';

    private Envelope() {
    }

    /** The payload between position and limit, wrapped; the buffer's position is not moved. */
    static byte[] wrap(long nodeId, TopicKind kind, long publishedMicros, ByteBuffer payload) {
        int n = payload.remaining();
        byte[] out = new byte[HEADER_BYTES + n];
        out[0] = MAGIC_0;
        out[1] = MAGIC_1;
        out[2] = MAGIC_2;
        out[3] = kind == TopicKind.SHARD ? KIND_SHARD : KIND_CHANNEL;
        putLong(out, 4, nodeId);
        putLong(out, 12, publishedMicros);
        payload.get(payload.position(), out, HEADER_BYTES, n);
        return out;
    }

    static boolean isEnvelope(byte[] m) {
        return m.length >= HEADER_BYTES && m[0] == MAGIC_0 && m[1] == MAGIC_1 && m[2] == MAGIC_2
                && (m[3] == KIND_CHANNEL || m[3] == KIND_SHARD);
    }

    /** Only for an {@link #isEnvelope} message. */
    static TopicKind kind(byte[] m) {
        return m[3] == KIND_SHARD ? TopicKind.SHARD : TopicKind.CHANNEL;
    }

    static long nodeId(byte[] m) {
        return getLong(m, 4);
    }

    static long publishedMicros(byte[] m) {
        return getLong(m, 12);
    }

    private static void putLong(byte[] b, int at, long v) {
        for (int i = 7; i >= 0; i--) {
            b[at + i] = (byte) v;
            v >>>= 8;
        }
    }

    private static long getLong(byte[] b, int at) {
        long v = 0;
        for (int i = 0; i < 8; i++) {
            v = (v << 8) | (b[at + i] & 0xFF);
        }
        return v;
    }
}
