package io.fanout.protocol.resp;

import java.nio.charset.StandardCharsets;

/**
 * A malformed or over-limit request; the connection must be closed after replying.
 *
 * <p>Role: thrown by {@link RespDecoder}. {@link #getMessage()} is exactly Redis 7's error text
 * without the leading {@code "-ERR "} and without CRLF, e.g.
 * {@code Protocol error: invalid multibulk length}. Redis replies {@code -ERR <text>\r\n} and
 * then closes the connection (it executes every complete command before the bad one first,
 * which the decoder mirrors by returning those commands before throwing).
 *
 * <p>Encoding: the message holds one char per protocol byte (ISO-8859-1), because Redis echoes
 * the raw offending byte in {@code expected '$', got 'X'}. Use {@link #messageBytes()} to write
 * the exact bytes Redis would.
 *
 * <p>{@link #replyBeforeClose()} is false for the one limit Redis does not have
 * ({@link RespDecoder#maxBufferNeeded() a whole command larger than the decoder's buffer limit});
 * Redis's closest behaviour (client-query-buffer-limit) closes the connection without a reply.
 *
 * <p>Thread-safety: immutable. Stack traces are not filled: these are expected client errors.
 */
public final class RespProtocolException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final boolean replyBeforeClose;

    RespProtocolException(String message) {
        this(message, true);
    }

    RespProtocolException(String message, boolean replyBeforeClose) {
        super(message, null, false, false);
        this.replyBeforeClose = replyBeforeClose;
    }

    /** The message as the exact bytes Redis would send after {@code "-ERR "}. */
    public byte[] messageBytes() {
        return getMessage().getBytes(StandardCharsets.ISO_8859_1);
    }

    /**
     * True for Redis's protocol errors (send {@code -ERR message} then close); false for the
     * command-size limit, where Redis's analogue closes silently.
     */
    public boolean replyBeforeClose() {
        return replyBeforeClose;
    }
}
