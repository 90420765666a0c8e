package io.fanout.server;

import io.fanout.policy.SlowPolicySettings;

/**
 * Everything {@code fanout serve} was told, immutable, passed to the constructors that need
 * it. A port of -1 switches that listener off (tests use it); 0 picks a free port.
 */
public record ServerConfig(String bind, int linePort, int respPort, int metricsPort, int ioThreads,
                           int maxClients, int maxMessageBytes, String requirePass, String lineChannel,
                           SlowPolicySettings slow, int socketSendBufferBytes, long drainMillis, WebConfig web) {

    /** Without the browser listener ({@code --http-port -1}): what the older tests construct. */
    public ServerConfig(String bind, int linePort, int respPort, int metricsPort, int ioThreads, int maxClients,
                        int maxMessageBytes, String requirePass, String lineChannel, SlowPolicySettings slow,
                        int socketSendBufferBytes, long drainMillis) {
        this(bind, linePort, respPort, metricsPort, ioThreads, maxClients, maxMessageBytes, requirePass, lineChannel,
                slow, socketSendBufferBytes, drainMillis, WebConfig.OFF);
    }

    public static final int DEFAULT_MAX_MESSAGE = 1 << 20;

    /** The defaults of {@code fanout serve}, every listener on port 0 (for tests). */
    public static ServerConfig forTests() {
        return new ServerConfig("127.0.0.1", 0, 0, -1, 1, 10_000, DEFAULT_MAX_MESSAGE, null, "broadcast",
                SlowPolicySettings.hardOnly(1 << 20), 0, 2_000);
    }

    public ServerConfig withSlow(SlowPolicySettings s) {
        return new ServerConfig(bind, linePort, respPort, metricsPort, ioThreads, maxClients, maxMessageBytes,
                requirePass, lineChannel, s, socketSendBufferBytes, drainMillis, web);
    }

    public ServerConfig withIoThreads(int n) {
        return new ServerConfig(bind, linePort, respPort, metricsPort, n, maxClients, maxMessageBytes,
                requirePass, lineChannel, slow, socketSendBufferBytes, drainMillis, web);
    }

    public ServerConfig withMaxClients(int n) {
        return new ServerConfig(bind, linePort, respPort, metricsPort, ioThreads, n, maxMessageBytes,
                requirePass, lineChannel, slow, socketSendBufferBytes, drainMillis, web);
    }

    public ServerConfig withMaxMessage(int n) {
        return new ServerConfig(bind, linePort, respPort, metricsPort, ioThreads, maxClients, n,
                requirePass, lineChannel, slow, socketSendBufferBytes, drainMillis, web);
    }

    public ServerConfig withRequirePass(String p) {
        return new ServerConfig(bind, linePort, respPort, metricsPort, ioThreads, maxClients, maxMessageBytes,
                p, lineChannel, slow, socketSendBufferBytes, drainMillis, web);
    }

    public ServerConfig withSocketSendBuffer(int n) {
        return new ServerConfig(bind, linePort, respPort, metricsPort, ioThreads, maxClients, maxMessageBytes,
                requirePass, lineChannel, slow, n, drainMillis, web);
    }

    /** The browser listener's settings (--http-port, --allowed-origins, --ping-interval). */
    public ServerConfig withWeb(WebConfig w) {
        return new ServerConfig(bind, linePort, respPort, metricsPort, ioThreads, maxClients, maxMessageBytes,
                requirePass, lineChannel, slow, socketSendBufferBytes, drainMillis, w);
    }

    public ServerConfig withRespPort(int p) {
        return new ServerConfig(bind, linePort, p, metricsPort, ioThreads, maxClients, maxMessageBytes,
                requirePass, lineChannel, slow, socketSendBufferBytes, drainMillis, web);
    }
}
