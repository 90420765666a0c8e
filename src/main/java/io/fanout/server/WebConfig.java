package io.fanout.server;

import java.util.Set;

/**
 * The browser listener's options, immutable.
 *
 * @param httpPort          {@code --http-port}: -1 off, 0 any free port
 * @param allowedOrigins    {@code --allowed-origins}, normalised (lower case, no trailing
 *                          slash); null = any origin
 * @param pingIntervalNanos {@code --ping-interval}: WebSocket pings and SSE comments (0 = off)
 * @param requestTimeoutNanos time for a request head (and between body bytes); 10 s, tests shorten it
 */
public record WebConfig(int httpPort, Set<String> allowedOrigins, long pingIntervalNanos, long requestTimeoutNanos) {
    public WebConfig(int httpPort, Set<String> allowedOrigins, long pingIntervalNanos) {
        this(httpPort, allowedOrigins, pingIntervalNanos, 10_000_000_000L);
    }

    public static final long DEFAULT_PING_INTERVAL_NANOS = 25_000_000_000L;
    /** No HTTP listener. */
    public static final WebConfig OFF = new WebConfig(-1, null, DEFAULT_PING_INTERVAL_NANOS);

    /** The listener on a free port with the defaults, for tests. */
    public static WebConfig onFreePort() {
        return new WebConfig(0, null, DEFAULT_PING_INTERVAL_NANOS);
    }

    public WebConfig withAllowedOrigins(Set<String> origins) {
        return new WebConfig(httpPort, origins, pingIntervalNanos, requestTimeoutNanos);
    }

    public WebConfig withPingIntervalNanos(long nanos) {
        return new WebConfig(httpPort, allowedOrigins, nanos, requestTimeoutNanos);
    }

    public WebConfig withRequestTimeoutNanos(long nanos) {
        return new WebConfig(httpPort, allowedOrigins, pingIntervalNanos, nanos);
    }
}
