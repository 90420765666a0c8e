package io.fanout.engine;

/**
 * Why a connection was closed. Labels are stable: they appear in {@code [CLOSE] reason=...}
 * log lines and in metrics, and operators alert on them.
 */
public enum CloseReason {
    /** The peer closed its side (read returned end of stream). */
    CLIENT_CLOSED("client-closed"),
    /** The socket failed: reset by peer, broken pipe, and the like. */
    IO_ERROR("io-error"),
    /** Framing can no longer be trusted (malformed RESP and similar). */
    PROTOCOL_ERROR("protocol-error"),
    /** One message (line, bulk string) longer than --max-message. */
    MESSAGE_TOO_LONG("message-too-long"),
    /** Wrong or missing password where the protocol cannot carry on unauthenticated. */
    AUTH_FAILED("auth-failed"),
    /** The client asked to go (QUIT). */
    QUIT("quit"),
    /** An operator asked (CLIENT KILL). */
    KILLED("killed"),
    /** Backlog over --slow-threshold after a write attempt. */
    SLOW_HARD("slow-hard"),
    /** Backlog over --soft-limit for longer than --soft-seconds. */
    SLOW_SOFT("slow-soft"),
    /** Backlog present and no byte accepted by the kernel for --write-deadline. */
    SLOW_DEADLINE("slow-deadline"),
    /** Among the largest backlogs when all backlogs together passed --max-pending-total. */
    SLOW_BUDGET("slow-budget"),
    /** --max-clients connections were open already. */
    MAX_CLIENTS("max-clients"),
    /** A WebSocket peer sent nothing, not even a pong, for a whole --ping-interval after a ping. */
    PING_TIMEOUT("ping-timeout"),
    /** An HTTP request (or its body) did not arrive in time: slow headers, an idle keep-alive. */
    REQUEST_TIMEOUT("request-timeout"),
    /** The server is stopping. */
    SHUTDOWN("shutdown"),
    /** A bug: an unexpected exception while handling this connection. */
    INTERNAL_ERROR("internal-error");

    private final String label;

    CloseReason(String label) {
        this.label = label;
    }

    public String label() {
        return label;
    }

    public boolean isSlowConsumer() {
        return this == SLOW_HARD || this == SLOW_SOFT || this == SLOW_DEADLINE || this == SLOW_BUDGET;
    }

    @Override
    public String toString() {
        return label;
    }
}
