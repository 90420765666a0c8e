package io.fanout.engine;

/**
 * The per-client timers protocols apply in {@link ConnectionHandler#onHousekeeping}: how long
 * a client may stay unauthenticated (--auth-timeout), and how long one may stay idle
 * (--timeout, Redis's rule: never for a client with subscriptions). 0 switches a timer off.
 * Immutable.
 *
 * @param authTimeoutNanos from connecting (or RESET) to a successful AUTH
 * @param idleTimeoutNanos from the last command to the next
 */
public record ClientTimeouts(long authTimeoutNanos, long idleTimeoutNanos) {
    /** No timer at all (tests, and the protocols' defaults). */
    public static final ClientTimeouts NONE = new ClientTimeouts(0, 0);

    public ClientTimeouts {
        if (authTimeoutNanos < 0 || idleTimeoutNanos < 0) {
            throw new IllegalArgumentException("timeouts must be >= 0");
        }
    }

    /** True when a client unauthenticated since {@code sinceNanos} has run out of time. */
    public boolean authExpired(long sinceNanos, long nowNanos) {
        return authTimeoutNanos > 0 && nowNanos - sinceNanos >= authTimeoutNanos;
    }

    /** True when a client (without subscriptions) last active at {@code lastNanos} is idle too long. */
    public boolean idleExpired(long lastNanos, long nowNanos) {
        return idleTimeoutNanos > 0 && nowNanos - lastNanos >= idleTimeoutNanos;
    }
}
