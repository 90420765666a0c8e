package io.fanout.engine;

import java.nio.ByteBuffer;

/**
 * The carry buffer of a connection: the bytes of a request that has not fully arrived. Most
 * reads hold only whole requests and are decoded straight from the loop's read buffer; only
 * a leftover tail is copied here, into a heap buffer that grows (doubling) up to the
 * engine's limit and is dropped again as soon as it is empty, so idle connections hold no
 * input memory. Every byte of capacity is counted in the {@link InputBudget} from allocation
 * to drop; {@link #decode} is the one path from a read to the connection's handler. Loop
 * thread only.
 */
final class InboundBuffers {
    private static final int MIN_CARRY_BYTES = 4096;

    /** Results of {@link #carry} and {@link #append}. */
    static final int OK = 0;
    /** Larger than any request the protocols accept (--max-message and headers). */
    static final int TOO_LARGE = 1;
    /** The input budget cannot hold it: the connection is being cut ({@code input-budget}). */
    static final int NO_BUDGET = 2;

    private InboundBuffers() {
    }

    /**
     * Hands newly read bytes to {@code c}'s handler: straight from the loop's read buffer
     * {@code rb} when nothing is carried (only an incomplete tail is then copied), else
     * through the carry buffer, which is dropped as soon as it is empty. Input that cannot be
     * held closes the connection (over every limit) or cuts it for the input budget.
     */
    static void decode(EventLoop loop, Connection c, ByteBuffer rb, int maxBytes, InputBudget budget) {
        if (c.inbound == null) {
            c.handler.onBytes(c, rb);
            if (rb.hasRemaining() && c.state == Connection.State.OPEN) {
                int r = carry(loop, c, rb, maxBytes, budget);
                if (r != OK) {
                    refuseInput(loop, c, r, budget);
                }
            }
        } else {
            int r = append(loop, c, rb, maxBytes, budget);
            if (r != OK) {
                refuseInput(loop, c, r, budget);
                return;
            }
            ByteBuffer in = c.inbound;
            in.flip();
            c.handler.onBytes(c, in);
            if (!in.hasRemaining() || c.state != Connection.State.OPEN) {
                drop(c, budget); // idle connections hold no input memory
            } else if (in.position() == 0 && in.limit() >= maxBytes) {
                loop.markClosing(c, CloseReason.PROTOCOL_ERROR, false);
            } else {
                in.compact();
            }
        }
    }

    /** Input that cannot be held: a request over every limit, or over the input budget. */
    private static void refuseInput(EventLoop loop, Connection c, int why, InputBudget budget) {
        if (why == NO_BUDGET) {
            budget.cut(loop, c);
        } else {
            loop.markClosing(c, CloseReason.PROTOCOL_ERROR, false);
        }
    }

    /** Copies {@code rest}'s remaining bytes into a new carry buffer (write mode) of {@code c}. */
    static int carry(EventLoop loop, Connection c, ByteBuffer rest, int maxBytes, InputBudget budget) {
        int size = Math.max(MIN_CARRY_BYTES, Integer.highestOneBit(Math.max(1, rest.remaining() - 1)) << 1);
        size = Math.min(size, Math.max(maxBytes, rest.remaining()));
        if (!budget.reserve(loop, c, size)) {
            return NO_BUDGET;
        }
        ByteBuffer in = ByteBuffer.allocate(size);
        in.put(rest);
        c.inbound = in;
        return OK;
    }

    /**
     * Appends newly read bytes to the connection's carry buffer, growing it up to
     * {@code maxBytes} when the budget allows.
     */
    static int append(EventLoop loop, Connection c, ByteBuffer fresh, int maxBytes, InputBudget budget) {
        ByteBuffer in = c.inbound;
        if (in.remaining() < fresh.remaining()) {
            int needed = in.position() + fresh.remaining();
            if (needed > maxBytes) {
                return TOO_LARGE;
            }
            int size = Math.min(maxBytes, Math.max(needed, in.capacity() * 2));
            if (!budget.reserve(loop, c, size - in.capacity())) {
                return NO_BUDGET;
            }
            ByteBuffer bigger = ByteBuffer.allocate(size);
            in.flip();
            bigger.put(in); // the old capacity stays counted: it is part of the new one
            in = bigger;
            c.inbound = in;
        }
        in.put(fresh);
        return OK;
    }

    /** Forgets the connection's carry buffer and returns its bytes to the budget. */
    static void drop(Connection c, InputBudget budget) {
        ByteBuffer in = c.inbound;
        if (in != null) {
            c.inbound = null;
            budget.release(in.capacity());
        }
    }
}
