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
 */
public record EngineConfig(int ioThreads, int maxClients, int maxInboundBytes, long maxWriteBytesPerTurn,
                           int socketSendBufferBytes, long tickMillis, long drainMillis) {
    public EngineConfig {
        if (ioThreads < 1) {
            throw new IllegalArgumentException("ioThreads must be >= 1");
        }
        if (maxClients < 1) {
            throw new IllegalArgumentException("maxClients must be >= 1");
        }
    }
}
