package io.fanout.engine;

import java.nio.ByteBuffer;

/**
 * The protocol side of one connection: decodes what arrives and decides what to send.
 * Created by a {@link Protocol} when the connection is accepted; called only on the
 * connection's loop thread.
 */
public interface ConnectionHandler {
    /**
     * Consumes every complete request in {@code in} (read mode) and leaves its position at
     * the first byte not consumed; the engine keeps those bytes for the next call. Bytes the
     * handler leaves behind while the buffer holds {@code maxInboundBytes} are a protocol
     * violation and close the connection.
     */
    void onBytes(Connection connection, ByteBuffer in);

    /**
     * The policy dropped whole queued messages (drop-oldest mode); {@code missed} is how
     * many are missing at the front of the queue now (including any an unsent earlier
     * notice reported). The protocol may tell the client in its own way. Default: nothing.
     */
    default void onMessagesDropped(Connection connection, long missed) {
    }

    /**
     * A last line to send, best effort, when the connection is cut as a slow consumer (the
     * engine first discards unsent whole messages, so the notice follows at most the rest
     * of a partly sent one). Null: say nothing (RESP, where Redis says nothing either).
     */
    default byte[] slowConsumerNotice(CloseReason reason) {
        return null;
    }

    /**
     * Called about once per {@link EventLoop#HOUSEKEEPING_INTERVAL_NANOS} for every open
     * connection of the loop, on the loop thread, with the turn's time: the place for
     * per-connection timers (keepalive pings, authentication and idle timeouts). Must be
     * cheap: it runs for every connection. Default: nothing.
     */
    default void onHousekeeping(Connection connection, long nowNanos) {
    }

    /**
     * The server is stopping: reading has stopped and queued output drains for at most
     * --shutdown-drain before the connection closes. A protocol may queue a goodbye here
     * (a WebSocket close frame 1001). Called once, on the loop thread. Default: nothing.
     */
    default void onShutdown(Connection connection) {
    }

    /** Called once when the connection closes, before its socket is closed. */
    void onClose(Connection connection, CloseReason reason);
}
