package io.fanout.protocol.http;

import java.util.Set;

/**
 * What the HTTP listener was told, immutable.
 *
 * @param password         token browsers must present ({@code ?token=} or {@code Authorization:
 *                         Bearer}), or null for none
 * @param allowedOrigins   Origin values allowed on WebSocket handshakes, lower case without a
 *                         trailing slash; null = any
 * @param maxMessageBytes  largest WebSocket message and POST body
 * @param pingIntervalNanos WebSocket pings and SSE comments every this long (0 = never)
 * @param requestTimeoutNanos a request head (or an idle keep-alive) must arrive in this time
 */
public record HttpSettings(String password, Set<String> allowedOrigins, int maxMessageBytes,
                           long pingIntervalNanos, long requestTimeoutNanos) {
    /** Longest request line accepted: 8 KiB, as nginx's default large_client_header_buffers. */
    public static final int MAX_REQUEST_LINE_BYTES = 8 * 1024;
    /** Largest request head (line and headers): 16 KiB, room for big cookies, no more. */
    public static final int MAX_HEAD_BYTES = 16 * 1024;
    /** Most header fields in one request (Apache's LimitRequestFields default). */
    public static final int MAX_HEADERS = 100;
    /** Default time for a request head to arrive: 10 s, as the brief's slow-headers rule. */
    public static final long DEFAULT_REQUEST_TIMEOUT_NANOS = 10_000_000_000L;
}
