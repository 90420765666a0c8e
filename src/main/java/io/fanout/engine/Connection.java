package io.fanout.engine;

import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;

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
public final class Connection {
    enum State { OPEN, CLOSING, CLOSED }

    private final long id;
    private final EventLoop loop;
    private final SocketChannel channel;
    private final Protocol protocol;
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
    /** Free for the policy: when the soft limit breach began, or 0. */
    public long softBreachSinceNanos;
    private Object attachment;
    /** What the client speaks now: the listener's name until a handler upgrades it (http to ws). */
    private volatile String protocolLabel;

    Connection(long id, EventLoop loop, SocketChannel channel, Protocol protocol, String remoteAddress,
               String localAddress, long openedNanos) {
        this.localAddress = localAddress;
        this.id = id;
        this.loop = loop;
        this.channel = channel;
        this.protocol = protocol;
        this.remoteAddress = remoteAddress;
        this.openedNanos = openedNanos;
        this.protocolLabel = protocol.name();
        this.queue = new WriteQueue(loop.framePool());
    }

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
    public long pendingBytes() {
        return queue.pendingBytes();
    }

    /** The write queue, for policies (read its figures, drop from it). */
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
        loop.onEnqueued(this, frame.length());
    }

    /** Queues a copy of bytes private to this connection (replies, errors). */
    public void sendCopy(byte[] src, int off, int len) {
        if (state != State.OPEN || len == 0) {
            return;
        }
        queue.appendCopy(src, off, len, loop.nowNanos());
        loop.onEnqueued(this, len);
    }

    public void sendCopy(byte[] src) {
        sendCopy(src, 0, src.length);
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

    /** Stops reading from this connection until {@code untilNanos} (producer stall). */
    public void pauseReadingUntil(long untilNanos) {
        loop.pauseReading(this, untilNanos);
    }

    @Override
    public String toString() {
        return "conn=" + id;
    }
}
