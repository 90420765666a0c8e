package io.fanout.engine;

/**
 * Immutable settings of the engine's mechanism (not of policy).
 *
 * @param ioThreads           number of event loops
 * @param maxClients          connections accepted at once; the next one is refused
 * @param maxInboundBytes     largest partial request a connection may carry between reads
 * @param maxWriteBytesPerTurn bytes one connection may write per flush, so one fat backlog
 *                            cannot starve the other connections of the loop
 * @param socketSendBufferBytes SO_SNDBUF for accepted sockets, 0 = the kernel's default
 * @param tickMillis          how often connections with a backlog are judged without events
 * @param drainMillis         on shutdown, how long queued output may drain before closing
 * @param maxInputTotalBytes  budget for the partial requests of all connections together
 *                            (carry buffers); 0 = {@link #defaultMaxInputTotal()}
 * @param tcpKeepAliveSeconds SO_KEEPALIVE with this idle time (TCP_KEEPIDLE) on client
 *                            sockets; 0 = off
 */
public record EngineConfig(int ioThreads, int maxClients, int maxInboundBytes, long maxWriteBytesPerTurn,
                           int socketSendBufferBytes, long tickMillis, long drainMillis,
                           long maxInputTotalBytes, int tcpKeepAliveSeconds) {

    /** The settings before the input budget and keepalive existed: default budget, keepalive off. */
    public EngineConfig(int ioThreads, int maxClients, int maxInboundBytes, long maxWriteBytesPerTurn,
                        int socketSendBufferBytes, long tickMillis, long drainMillis) {
        this(ioThreads, maxClients, maxInboundBytes, maxWriteBytesPerTurn, socketSendBufferBytes, tickMillis,
                drainMillis, 0, 0);
    }

    /**
     * A quarter of the heap: partial requests are the one input-side use of memory that
     * clients control, and the rest of the heap must stay free for subscriptions, frames
     * copied across loops and the JVM's own needs.
     */
    public static long defaultMaxInputTotal() {
        return Runtime.getRuntime().maxMemory() / 4;
    }

    /** The budget in force: the configured one, or the default. */
    public long effectiveMaxInputTotal() {
        return maxInputTotalBytes > 0 ? maxInputTotalBytes : defaultMaxInputTotal();
    }

    public EngineConfig {
        if (ioThreads < 1) {
            throw new IllegalArgumentException("ioThreads must be >= 1");
        }
        if (maxClients < 1) {
            throw new IllegalArgumentException("maxClients must be >= 1");
        }
        if (maxInputTotalBytes < 0 || tcpKeepAliveSeconds < 0) {
            throw new IllegalArgumentException("maxInputTotalBytes and tcpKeepAliveSeconds must be >= 0");
        }
    }
}
