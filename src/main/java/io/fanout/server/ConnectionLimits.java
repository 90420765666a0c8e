package io.fanout.server;

import io.fanout.engine.ClientTimeouts;

/**
 * What {@code fanout serve} was told about the read side and the edges of each connection
 * (issue 8): the budget for partial requests, TCP keepalive, and the authentication and idle
 * timeouts. Immutable; 0 switches a timer off.
 *
 * @param maxInputTotalBytes --max-input-total; 0 = auto (a quarter of the heap)
 * @param tcpKeepAliveNanos  --tcp-keepalive
 * @param authTimeoutNanos   --auth-timeout (applies only with --requirepass)
 * @param idleTimeoutNanos   --timeout (never applies to subscribers)
 */
public record ConnectionLimits(long maxInputTotalBytes, long tcpKeepAliveNanos, long authTimeoutNanos,
                               long idleTimeoutNanos) {
    private static final long SECOND = 1_000_000_000L;

    /** The defaults of {@code fanout serve}: auto budget, keepalive 300 s, auth 10 s, no idle timeout. */
    public static final ConnectionLimits DEFAULTS = new ConnectionLimits(0, 300 * SECOND, 10 * SECOND, 0);

    public ClientTimeouts timeouts() {
        return new ClientTimeouts(authTimeoutNanos, idleTimeoutNanos);
    }

    /** Keepalive idle time in whole seconds (the socket option's unit), at least 1 when on. */
    public int tcpKeepAliveSeconds() {
        return tcpKeepAliveNanos == 0 ? 0 : (int) Math.max(1, Math.min(Integer.MAX_VALUE, tcpKeepAliveNanos / SECOND));
    }
}
