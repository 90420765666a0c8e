package io.fanout.engine;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The budget for all partially received requests together (--max-input-total), as
 * --max-pending-total is for output: the carry buffers of every connection of every loop
 * (see {@link InboundBuffers}) may hold at most {@link #maxBytes()} between them. A client
 * controls how much of a request it leaves unfinished, so without a budget a few hundred
 * clients each holding a megabyte of one line exhaust any heap.
 *
 * <p>At the limit, a carry buffer that would grow past the budget makes room first: the
 * largest holders of the asking loop are cut ({@code input-budget}), largest first, and their
 * buffers dropped at once. If the asker itself holds the most, its input is refused instead:
 * the server never grows the heap for input it cannot hold.
 *
 * <p>Threads: the counter is shared by all loops (an atomic add per carry allocation, which
 * happens only when a read ends inside a request, never per message); each loop cuts only its
 * own connections. With several loops, the cut falls on the largest holders of the loop where
 * the budget ran out.
 */
final class InputBudget {
    private static final Logger LOG = LoggerFactory.getLogger("fanout.engine");

    private final long maxBytes;
    private final AtomicLong heldBytes = new AtomicLong();

    InputBudget(long maxBytes) {
        this.maxBytes = maxBytes;
    }

    long maxBytes() {
        return maxBytes;
    }

    /** Bytes of carry buffers allocated now, all loops (racy read). */
    long heldBytes() {
        return heldBytes.get();
    }

    void release(long bytes) {
        heldBytes.addAndGet(-bytes);
    }

    private boolean tryReserve(long bytes) {
        while (true) {
            long held = heldBytes.get();
            if (held + bytes > maxBytes) {
                return false;
            }
            if (heldBytes.compareAndSet(held, held + bytes)) {
                return true;
            }
        }
    }

    /**
     * Reserves {@code bytes} more for {@code asker}'s carry buffer, cutting the largest
     * holders of {@code loop} first when they do not fit. False: the asker itself is the
     * largest left and its input is refused (the caller cuts it).
     */
    boolean reserve(EventLoop loop, Connection asker, long bytes) {
        if (tryReserve(bytes)) {
            return true;
        }
        return makeRoom(loop, asker, bytes); // rare: at the limit only, so allocating here is fine
    }

    private boolean makeRoom(EventLoop loop, Connection asker, long bytes) {
        List<Connection> holders = new ArrayList<>();
        for (Connection c : loop.connections()) {
            if (c != asker && c.isOpen() && c.inbound != null) {
                holders.add(c);
            }
        }
        long askerSize = held(asker) + bytes;
        holders.sort((a, b) -> Long.compare(held(b), held(a)));
        for (Connection c : holders) {
            if (held(c) < askerSize) {
                break; // the asker is the largest left: refuse it rather than a smaller one
            }
            cut(loop, c);
            if (tryReserve(bytes)) {
                return true;
            }
        }
        return false;
    }

    private static long held(Connection c) {
        return c.inbound == null ? 0 : c.inbound.capacity();
    }

    /** Logs, drops the connection's carry buffer now and marks it closing with {@code input-budget}. */
    void cut(EventLoop loop, Connection c) {
        LOG.warn("[INPUT]     conn={} proto={} held={} total_held={} >= max_input_total={}, disconnecting",
                c.id(), c.protocolName(), held(c), heldBytes.get(), maxBytes);
        InboundBuffers.drop(c, this);
        loop.markClosing(c, CloseReason.INPUT_BUDGET, false);
    }
}
