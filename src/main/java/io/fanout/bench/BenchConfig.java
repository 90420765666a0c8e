package io.fanout.bench;

/**
 * Everything one bench run was told, validated by {@link BenchCommand}, immutable.
 *
 * @param host                server address (loopback in every documented measurement)
 * @param port                server port
 * @param proto               wire protocol the subscribers and publishers speak
 * @param subscribers         healthy subscribers (they read everything)
 * @param publishers          publisher connections, all driven by one thread
 * @param payloadBytes        message size, at least {@link PayloadHeader#BYTES}
 * @param durationNanos       the measured phase
 * @param warmupNanos         publishing before the measured phase; nothing is recorded
 * @param channel             RESP channel (the line protocol's channel is the server's)
 * @param mode                closed loop (as fast as the window and lag cap allow) or open loop
 * @param ratePerSecond       open loop: messages per second over all publishers
 * @param window              closed loop, RESP: PUBLISH replies outstanding per publisher
 * @param maxLag              closed loop: messages the slowest healthy subscriber may trail by (0 = no cap)
 * @param stalled             subscribers that subscribe and then never read
 * @param setupTimeoutNanos   deadline of the connect phase, and again of the subscribe phase
 * @param drainNanos          how long to wait for in-flight messages after publishing stops
 * @param subscriberThreads   selector threads reading the subscribers
 */
public record BenchConfig(String host, int port, Proto proto, int subscribers, int publishers, int payloadBytes,
                          long durationNanos, long warmupNanos, String channel, Mode mode, long ratePerSecond,
                          int window, long maxLag, int stalled, long setupTimeoutNanos, long drainNanos,
                          int subscriberThreads) {

    /**
     * Wire protocol: ws subscribes to {@code /ws/<channel>} and publishes there (raw
     * WebSocket); sse subscribes to {@code /sse/<channel>} and publishes over the WebSocket.
     */
    public enum Proto {
        RESP(7379), LINE(7000), WS(7080), SSE(7080);

        final int defaultPort;

        Proto(int defaultPort) {
            this.defaultPort = defaultPort;
        }

        String label() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /** Load model. */
    public enum Mode {
        CLOSED, OPEN;

        String label() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /**
     * A small closed-loop run against {@code host:port} (1 s, no warm-up, 64 B, lag cap
     * 512 KiB as the command's default); tests adjust it with the withers.
     */
    public static BenchConfig quick(String host, int port, Proto proto, int subscribers) {
        BenchConfig c = new BenchConfig(host, port, proto, subscribers, 1, 64, 1_000_000_000L, 0, "bench",
                Mode.CLOSED, 0, 64, 0, 0, 5_000_000_000L, 2_000_000_000L, 1);
        return c.withMaxLag(512 * 1024 / c.deliveryFrameBytes());
    }

    public BenchConfig withChannel(String name) {
        return new BenchConfig(host, port, proto, subscribers, publishers, payloadBytes, durationNanos, warmupNanos,
                name, mode, ratePerSecond, window, maxLag, stalled, setupTimeoutNanos, drainNanos, subscriberThreads);
    }

    public BenchConfig withStalled(int n) {
        return new BenchConfig(host, port, proto, subscribers, publishers, payloadBytes, durationNanos, warmupNanos,
                channel, mode, ratePerSecond, window, maxLag, n, setupTimeoutNanos, drainNanos, subscriberThreads);
    }

    public BenchConfig withPayload(int bytes) {
        return new BenchConfig(host, port, proto, subscribers, publishers, bytes, durationNanos, warmupNanos,
                channel, mode, ratePerSecond, window, maxLag, stalled, setupTimeoutNanos, drainNanos, subscriberThreads);
    }

    public BenchConfig withOpenLoop(long rate) {
        return new BenchConfig(host, port, proto, subscribers, publishers, payloadBytes, durationNanos, warmupNanos,
                channel, Mode.OPEN, rate, window, maxLag, stalled, setupTimeoutNanos, drainNanos, subscriberThreads);
    }

    public BenchConfig withPublishers(int n) {
        return new BenchConfig(host, port, proto, subscribers, n, payloadBytes, durationNanos, warmupNanos,
                channel, mode, ratePerSecond, window, maxLag, stalled, setupTimeoutNanos, drainNanos, subscriberThreads);
    }

    public BenchConfig withMaxLag(long lag) {
        return new BenchConfig(host, port, proto, subscribers, publishers, payloadBytes, durationNanos, warmupNanos,
                channel, mode, ratePerSecond, window, lag, stalled, setupTimeoutNanos, drainNanos, subscriberThreads);
    }

    /** Bytes of one message on the wire from the server to a subscriber (for buffer sizing). */
    int deliveryFrameBytes() {
        if (proto == Proto.LINE) {
            return payloadBytes + 1;
        }
        if (proto == Proto.SSE) {
            return "data: ".length() + payloadBytes + 2;
        }
        if (proto == Proto.WS) {
            return (payloadBytes < 126 ? 2 : payloadBytes <= 0xFFFF ? 4 : 10) + payloadBytes;
        }
        // *3\r\n$7\r\nmessage\r\n$<c>\r\n<channel>\r\n$<p>\r\n<payload>\r\n
        int c = channel.getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
        return 4 + 13 + 1 + digits(c) + 2 + c + 2 + 1 + digits(payloadBytes) + 2 + payloadBytes + 2;
    }

    static int digits(long n) {
        return Long.toString(n).length();
    }
}
