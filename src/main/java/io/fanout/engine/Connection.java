package io.fanout.engine;

import java.io.IOException;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One accepted client: its socket, its write queue and the bytes of a request that has not
 * fully arrived yet.
 *
 * <p>Threads: owned by one {@link EventLoop}; every method must be called on that loop's
 * thread (other threads post a task to {@link #loop()}). Ids are unique for the life of the
 * process and never reused, so logs can be followed across reconnects.
 *
 * <pre>
 *   OPEN --markClosing(reason)--> CLOSING --(reaped at end of turn)--> CLOSED
 * </pre>
 * A connection is never closed in the middle of a fan-out: it is marked and reaped at a safe
 * point of the loop turn, so subscriber lists are never modified while being walked.
 */
public final class Connection implements BacklogView {
    /** The [DROP] line keeps the policy's logger, where it was before verdicts. */
    private static final Logger POLICY_LOG = LoggerFactory.getLogger("fanout.policy");

    enum State { OPEN, CLOSING, CLOSED }

    private final long id;
    private final EventLoop loop;
    private final SocketChannel channel;
    private final String remoteAddress;
    private final String localAddress;
    private final long openedNanos;
    final WriteQueue queue;
    SelectionKey key;
    ConnectionHandler handler;
    State state = State.OPEN;
    CloseReason closeReason;
    /** Try to write queued bytes (such as an error line) once more before closing. */
    boolean flushBeforeClose;
    /** Marked for the end-of-turn flush. */
    boolean dirty;
    /** Listed in the loop's backlog list for timer-driven policy checks. */
    boolean inBacklogList;
    /** While a cut slow consumer's notice is still being written: when to give up, else 0. */
    long lingerUntilNanos;
    /** Reading paused until this time (fast-producer stall), or 0. */
    long readPausedUntilNanos;
    /** Partial request carried between reads; null while nothing is pending (idle = no memory). */
    ByteBuffer inbound;
    long bytesRead;
    /** The policy's soft-breach clock (see {@link BacklogView#softBreachSinceNanos}), or 0. */
    private long softBreachSinceNanos;
    private Object attachment;
    /** The name the client gave itself (CLIENT SETNAME), or null; read by log lines. */
    private volatile String clientName;
    /** What the client speaks now: the listener's name until a handler upgrades it (http to ws). */
    private volatile String protocolLabel;

    Connection(long id, EventLoop loop, SocketChannel channel, Protocol protocol, String remoteAddress,
               String localAddress, long openedNanos) {
        this.localAddress = localAddress;
        this.id = id;
        this.loop = loop;
        this.channel = channel;
        this.remoteAddress = remoteAddress;
        this.openedNanos = openedNanos;
        this.protocolLabel = protocol.name();
        this.queue = new WriteQueue(loop.framePool());
    }

    @Override
    public long id() {
        return id;
    }

    public EventLoop loop() {
        return loop;
    }

    /**
     * The protocol the client speaks now (logs, metrics, INFO): the listener's name, or the
     * label its handler set after an upgrade (an HTTP connection becomes {@code ws} or
     * {@code sse}). Readable from any thread.
     */
    public String protocolName() {
        return protocolLabel;
    }

    /** Relabels the connection after a protocol upgrade; one of its protocol's {@link Protocol#connectionLabels}. */
    public void setProtocolLabel(String label) {
        this.protocolLabel = label;
    }

    public String remoteAddress() {
        return remoteAddress;
    }

    /** host:port of our end of the socket. */
    public String localAddress() {
        return localAddress;
    }

    /** The client's own name (RESP: CLIENT SETNAME / HELLO SETNAME), or null when unset. */
    public String clientName() {
        return clientName;
    }

    /** Set by the protocol; null or empty clears it. Printable without spaces (Redis's rule). */
    public void setClientName(String name) {
        this.clientName = name == null || name.isEmpty() ? null : name;
    }

    /**
     * Who this client is, as appended to the {@code [SLOW]} and {@code [CLOSE]} log lines:
     * {@code proto=resp remote=127.0.0.1:51234 name=feed-7} ({@code name=} only when set).
     */
    @Override
    public String describeClient() {
        String n = clientName;
        return "proto=" + protocolLabel + " remote=" + remoteAddress + (n == null ? "" : " name=" + n);
    }

    /** Input read and thrown away before a last write, at most (see {@link #prepareFinalWrite}). */
    private static final int FINAL_DRAIN_MAX_BYTES = 64 * 1024;
    /** net.core.wmem_max (Linux), read on first use (holder idiom); -1 where unknown. */
    private static final class WmemMax {
        static final long VALUE = read();

        private static long read() {
            // Not Files.readString: it trusts the file size, which /proc reports wrongly.
            try (java.io.InputStream in = java.nio.file.Files.newInputStream(
                    java.nio.file.Path.of("/proc/sys/net/core/wmem_max"))) {
                return Long.parseLong(new String(in.readAllBytes(), java.nio.charset.StandardCharsets.US_ASCII)
                        .strip());
            } catch (IOException | RuntimeException e) {
                return -1;
            }
        }
    }

    /** Of a partly sent message, at most this much is counted when making room for a last write. */
    private static final int FINAL_ROOM_MAX_BYTES = 256 * 1024;

    /**
     * Best effort before the last bytes to a client that is about to be cut for not reading
     * (the line protocol's slow-consumer notice); the engine then writes once and closes. Two
     * things stand between such a notice and the client, and both are removed where the
     * kernel allows:
     * <ul>
     *   <li>Unread input: closing a socket whose input was not read makes Linux answer with
     *       RST instead of FIN, and the peer then throws away what it had not read yet — the
     *       notice first. Up to 64 KiB of input is read and discarded.</li>
     *   <li>A full send buffer (the client stopped reading, so the kernel is full): SO_SNDBUF
     *       is raised so the kernel can take the rest of a partly sent message and the notice;
     *       after the close the kernel keeps delivering them if the client reads again. Linux
     *       caps the raise at net.core.wmem_max, and a buffer the kernel already grew beyond
     *       that is left alone.</li>
     * </ul>
     * A client that never reads again never sees the notice: nothing can change that.
     */
    public void prepareFinalWrite(int bytes) {
        try {
            ByteBuffer sink = ByteBuffer.allocate(4096);
            int drained = 0;
            while (drained < FINAL_DRAIN_MAX_BYTES) {
                sink.clear();
                int n = channel.read(sink);
                if (n <= 0) {
                    break;
                }
                drained += n;
            }
            long room = Math.min(queue.pendingBytes(), FINAL_ROOM_MAX_BYTES) + bytes + 16 * 1024;
            int current = channel.getOption(StandardSocketOptions.SO_SNDBUF);
            long cap = WmemMax.VALUE;
            // Linux caps the value at wmem_max and usually doubles it (half is bookkeeping);
            // below the cap, asking for current + room can only grow the buffer.
            if (cap > 0 && current < cap) {
                channel.setOption(StandardSocketOptions.SO_SNDBUF, (int) Math.min(cap, current + room));
            }
        } catch (IOException | RuntimeException e) {
            // Best effort only: the peer may be gone already.
        }
    }

    public long openedNanos() {
        return openedNanos;
    }

    SocketChannel channel() {
        return channel;
    }

    public ConnectionHandler handler() {
        return handler;
    }

    /** Bytes queued for this client that the kernel has not accepted yet. */
    @Override
    public long pendingBytes() {
        return queue.pendingBytes();
    }

    @Override
    public long lastProgressNanos() {
        return queue.lastProgressNanos();
    }

    @Override
    public long softBreachSinceNanos() {
        return softBreachSinceNanos;
    }

    @Override
    public void markSoftBreach(long sinceNanos) {
        softBreachSinceNanos = sinceNanos;
    }

    /** The write queue: its figures (CLIENT LIST) and the protocol's gap notices. */
    public WriteQueue writeQueue() {
        return queue;
    }

    public long bytesRead() {
        return bytesRead;
    }

    public boolean isOpen() {
        return state == State.OPEN;
    }

    public CloseReason closeReason() {
        return closeReason;
    }

    public Object attachment() {
        return attachment;
    }

    public void attach(Object value) {
        this.attachment = value;
    }

    /**
     * Queues a shared frame; the caller has retained one reference for this connection.
     * A closing connection releases the reference at once.
     */
    public void send(Frame frame) {
        if (state != State.OPEN) {
            frame.release(loop.framePool());
            return;
        }
        queue.enqueue(frame, loop.nowNanos());
        loop.fanOut().onEnqueued(this, frame.length());
    }

    /** Queues a copy of bytes private to this connection (replies, errors). */
    public void sendCopy(byte[] src, int off, int len) {
        if (state != State.OPEN || len == 0) {
            return;
        }
        queue.appendCopy(src, off, len, loop.nowNanos());
        loop.fanOut().onEnqueued(this, len);
    }

    public void sendCopy(byte[] src) {
        sendCopy(src, 0, src.length);
    }

    /**
     * The mechanism of a drop verdict (loop thread): whole unstarted messages go, oldest
     * first, down to {@code targetBytes}; the protocol is told how many are missing (its
     * notice joins the queue). Returns the messages dropped; the loop counts them and its
     * byte total.
     */
    int dropOldest(long targetBytes, long thresholdBytes) {
        int dropped = queue.dropOldestUnstarted(targetBytes);
        long missed = queue.lastGapSize();
        if (missed > 0) {
            handler.onMessagesDropped(this, missed);
            if (POLICY_LOG.isDebugEnabled()) {
                POLICY_LOG.debug("[DROP]      conn={} dropped={} send_buf={} threshold={}",
                        id, dropped, queue.pendingBytes(), thresholdBytes);
            }
        }
        return dropped;
    }

    /** Marks the connection for closing at the end of this loop turn. */
    public void close(CloseReason reason) {
        loop.markClosing(this, reason, false);
    }

    /**
     * Like {@link #close} but first gives what is queued (an error line, a QUIT reply) one
     * non-blocking write: best effort, never waiting.
     */
    public void closeAfterFlush(CloseReason reason) {
        loop.markClosing(this, reason, true);
    }

    /** Closes from any thread: the close is posted to the owning loop (CLIENT KILL). */
    public void closeFromAnyThread(CloseReason reason) {
        loop.execute(() -> close(reason));
    }

    /** Releases the queue's frames, cancels the key and closes the socket (loop thread, at the reap). */
    void closeSocket() {
        queue.releaseAll();
        if (key != null) {
            key.cancel();
        }
        try {
            channel.close();
        } catch (IOException ignored) {
            // Nothing left to do for a socket that fails to close.
        }
    }

    @Override
    public String toString() {
        return "conn=" + id;
    }
}
