package io.fanout.engine;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.util.ArrayList;
import java.util.List;

/**
 * Slow consumers that were cut but whose last notice (a WebSocket close frame 1013, a line
 * client's {@code ERR slow consumer ...}) did not fit the socket at the moment of the cut.
 * Their sockets stay open, write-only, until the notice is out, the write fails, or
 * {@link #LINGER_NANOS} pass. The connection is already reaped (counted closed, gone from
 * its loop's map); only its socket and the few bytes left in its queue remain.
 *
 * <pre>
 *   reaped with a notice queued --start--> LINGERING --notice written | write failed | time up--> socket closed
 * </pre>
 *
 * <p>Threads: owned by one {@link EventLoop}, used on its thread only.
 */
final class LingeringNotices {
    /**
     * How long a socket may linger. The kernel buffer of a slow consumer is usually full at
     * the instant of the cut, and a client that still reads a little gets the reason a moment
     * later. Bounded in bytes as well: the queue holds at most the rest of one message and the
     * notice.
     */
    static final long LINGER_NANOS = 2_000_000_000L;

    private final List<Connection> lingering = new ArrayList<>();

    boolean isEmpty() {
        return lingering.isEmpty();
    }

    /** Keeps {@code c}'s socket open, interested only in writing, until its notice is out. */
    void start(Connection c, long nowNanos) {
        c.lingerUntilNanos = nowNanos + LINGER_NANOS;
        lingering.add(c);
        c.key.interestOps(SelectionKey.OP_WRITE);
    }

    /**
     * One more write of a lingering notice; closes the socket once it is out or the write
     * fails. Returns the bytes the kernel took.
     */
    long onWritable(Connection c, ByteBuffer[] scratch, long maxBytes, long nowNanos) {
        long written = 0;
        try {
            written = c.queue.flush(c.channel(), scratch, maxBytes, nowNanos);
        } catch (IOException | RuntimeException e) {
            c.queue.releaseAll(); // the peer is gone: nothing more to say
        }
        if (c.queue.isEmpty()) {
            end(c);
        }
        return written;
    }

    /** Closes the sockets whose time is up, or all of them when the loop stops. */
    void expire(long nowNanos, boolean all) {
        for (int i = lingering.size() - 1; i >= 0; i--) {
            Connection c = lingering.get(i);
            if (all || nowNanos - c.lingerUntilNanos >= 0) {
                end(c);
            }
        }
    }

    private void end(Connection c) {
        c.lingerUntilNanos = 0;
        lingering.remove(c);
        c.closeSocket();
    }
}
