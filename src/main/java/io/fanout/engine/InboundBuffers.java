package io.fanout.engine;

import java.nio.ByteBuffer;

/**
 * The carry buffer of a connection: the bytes of a request that has not fully arrived. Most
 * reads hold only whole requests and are decoded straight from the loop's read buffer; only
 * a leftover tail is copied here, into a heap buffer that grows (doubling) up to the
 * engine's limit and is dropped again as soon as it is empty, so idle connections hold no
 * input memory. Loop thread only.
 */
final class InboundBuffers {
    private static final int MIN_CARRY_BYTES = 4096;

    private InboundBuffers() {
    }

    /** A new carry buffer (write mode) holding {@code rest}'s remaining bytes. */
    static ByteBuffer carry(ByteBuffer rest, int maxBytes) {
        int size = Math.max(MIN_CARRY_BYTES, Integer.highestOneBit(Math.max(1, rest.remaining() - 1)) << 1);
        ByteBuffer in = ByteBuffer.allocate(Math.min(size, Math.max(maxBytes, rest.remaining())));
        in.put(rest);
        return in;
    }

    /**
     * Appends newly read bytes to the connection's carry buffer, growing it up to
     * {@code maxBytes}; false when they do not fit (a request larger than any the
     * protocols accept).
     */
    static boolean append(Connection c, ByteBuffer fresh, int maxBytes) {
        ByteBuffer in = c.inbound;
        if (in.remaining() < fresh.remaining()) {
            int needed = in.position() + fresh.remaining();
            if (needed > maxBytes) {
                return false;
            }
            int size = Math.min(maxBytes, Math.max(needed, in.capacity() * 2));
            ByteBuffer bigger = ByteBuffer.allocate(size);
            in.flip();
            bigger.put(in);
            in = bigger;
            c.inbound = in;
        }
        in.put(fresh);
        return true;
    }
}
