package io.fanout.protocol.ws;

import java.nio.ByteBuffer;

/**
 * Decodes client-to-server WebSocket frames (RFC 6455 §5) and enforces every rule a server
 * must: frames masked, RSV bits zero (no extension is negotiated), known opcodes only,
 * control frames final and at most 125 bytes (and allowed between the fragments of a
 * message), continuation only inside a fragmented message, text messages valid UTF-8
 * (checked incrementally, failing at the first bad byte), the reassembled message at most
 * {@code maxMessageBytes}, at most {@link #MAX_FRAGMENTS} fragments per message.
 *
 * <p>Pure codec: no sockets. {@link #decode} consumes complete frames from the buffer and
 * reports them to a {@link Listener}; an incomplete frame is left in place (the engine keeps
 * it for the next read). A frame too big is refused from its header, before its payload is
 * buffered. An unfragmented message is unmasked in place and handed over as a window onto
 * the input (no copy); fragments are copied into a reassembly buffer owned by the decoder.
 *
 * <p>Not thread-safe: one per connection, on its loop thread.
 */
public final class WsFrameDecoder {
    /** {@link #decode} result: every complete frame was handled; wait for more bytes. */
    public static final int NEED_MORE = 0;
    /** {@link #decode} result: a close frame arrived (reported to the listener); stop reading. */
    public static final int CLOSED = -1;
    /** Fragments one message may have: zero-length continuations must not spin forever. */
    public static final int MAX_FRAGMENTS = 1024;
    /** A fragment buffer bigger than this is dropped after its message, not kept for the next. */
    private static final int KEEP_REASSEMBLY_BYTES = 64 * 1024;

    /** What a decoded stream says. Payload windows are valid only during the call. */
    public interface Listener {
        /** A whole data message: the payload is between position and limit (unmasked). */
        void onMessage(boolean text, ByteBuffer payload);

        void onPing(ByteBuffer payload);

        void onPong(ByteBuffer payload);

        /** The peer's close: {@code code} is {@link WsFrames#CLOSE_NO_STATUS} when it sent none. */
        void onClose(int code, String reason);
    }

    private final int maxMessageBytes;
    private final Utf8Validator utf8 = new Utf8Validator();
    /** Non-zero while a fragmented message is open: its opcode (text or binary). */
    private int messageOpcode;
    private int fragments;
    private ByteBuffer reassembly;
    private String errorReason = "";
    private boolean closed;

    public WsFrameDecoder(int maxMessageBytes) {
        this.maxMessageBytes = maxMessageBytes;
    }

    /** Makes {@link #decode} stop after the frame being handled (the session is closing). */
    public void stop() {
        closed = true;
    }

    /** Why the last {@link #decode} failed, in words fit for a close frame's reason. */
    public String errorReason() {
        return errorReason;
    }

    /**
     * Handles every complete frame in {@code in} (read mode) and leaves its position after
     * the last one handled. Returns {@link #NEED_MORE}, {@link #CLOSED}, or a close code
     * (1002, 1007, 1008, 1009) when the stream broke a rule: the caller sends that close
     * and stops reading; {@link #errorReason()} says why.
     */
    public int decode(ByteBuffer in, Listener listener) {
        while (!closed) {
            int result = decodeOne(in, listener);
            if (result != Integer.MIN_VALUE) {
                return result;
            }
        }
        return CLOSED;
    }

    /** One frame; Integer.MIN_VALUE means "handled one, try the next". */
    private int decodeOne(ByteBuffer in, Listener listener) {
        int start = in.position();
        int available = in.limit() - start;
        if (available < 2) {
            return NEED_MORE;
        }
        int b0 = in.get(start) & 0xFF;
        int b1 = in.get(start + 1) & 0xFF;
        boolean fin = (b0 & 0x80) != 0;
        int opcode = b0 & 0x0F;
        if ((b0 & 0x70) != 0) {
            return fail(WsFrames.CLOSE_PROTOCOL_ERROR, "reserved bits set (no extension was negotiated)");
        }
        if ((b1 & 0x80) == 0) {
            return fail(WsFrames.CLOSE_PROTOCOL_ERROR, "client frames must be masked");
        }
        int check = checkOpcode(opcode, fin, b1 & 0x7F);
        if (check != 0) {
            return check;
        }
        int len7 = b1 & 0x7F;
        int headerBytes = len7 < 126 ? 6 : len7 == 126 ? 8 : 14;
        if (available < headerBytes) {
            return NEED_MORE;
        }
        long payloadLength = len7 < 126 ? len7
                : len7 == 126 ? (in.getShort(start + 2) & 0xFFFF) : in.getLong(start + 2);
        if (payloadLength < 0) {
            return fail(WsFrames.CLOSE_PROTOCOL_ERROR, "frame length has its top bit set");
        }
        if (opcode < WsFrames.OP_CLOSE) {
            long soFar = messageOpcode == 0 ? 0 : reassembly.position();
            if (payloadLength + soFar > maxMessageBytes) {
                return fail(WsFrames.CLOSE_TOO_BIG, "message larger than " + maxMessageBytes + " bytes");
            }
        }
        if (available < headerBytes + payloadLength) {
            return NEED_MORE;
        }
        int payloadStart = start + headerBytes;
        int payloadEnd = payloadStart + (int) payloadLength;
        unmask(in, in.getInt(payloadStart - 4), payloadStart, payloadEnd);
        in.position(payloadEnd);
        int result = opcode >= WsFrames.OP_CLOSE
                ? control(opcode, in, payloadStart, payloadEnd, listener)
                : data(opcode, fin, in, payloadStart, payloadEnd, listener);
        return result;
    }

    private int checkOpcode(int opcode, boolean fin, int len7) {
        switch (opcode) {
            case WsFrames.OP_CONTINUATION:
                if (messageOpcode == 0) {
                    return fail(WsFrames.CLOSE_PROTOCOL_ERROR, "continuation frame without a message to continue");
                }
                return 0;
            case WsFrames.OP_TEXT, WsFrames.OP_BINARY:
                if (messageOpcode != 0) {
                    return fail(WsFrames.CLOSE_PROTOCOL_ERROR, "new message before the fragmented one ended");
                }
                return 0;
            case WsFrames.OP_CLOSE, WsFrames.OP_PING, WsFrames.OP_PONG:
                if (!fin) {
                    return fail(WsFrames.CLOSE_PROTOCOL_ERROR, "control frames must not be fragmented");
                }
                if (len7 > 125) {
                    return fail(WsFrames.CLOSE_PROTOCOL_ERROR, "control frame payload over 125 bytes");
                }
                return 0;
            default:
                return fail(WsFrames.CLOSE_PROTOCOL_ERROR, "reserved opcode " + opcode);
        }
    }

    private int data(int opcode, boolean fin, ByteBuffer in, int from, int to, Listener listener) {
        boolean first = opcode != WsFrames.OP_CONTINUATION;
        int messageType = first ? opcode : messageOpcode;
        if (first) {
            utf8.reset();
            fragments = 0;
        }
        if (messageType == WsFrames.OP_TEXT && !utf8.update(in, from, to)) {
            return fail(WsFrames.CLOSE_INVALID_DATA, "text message is not valid UTF-8");
        }
        if (fin && messageType == WsFrames.OP_TEXT && !utf8.isComplete()) {
            return fail(WsFrames.CLOSE_INVALID_DATA, "text message ends inside a UTF-8 character");
        }
        if (first && fin) {
            deliver(in, from, to, true, messageType, listener); // the common case: no copy
            return Integer.MIN_VALUE;
        }
        if (++fragments > MAX_FRAGMENTS) {
            return fail(WsFrames.CLOSE_POLICY, "more than " + MAX_FRAGMENTS + " fragments in one message");
        }
        if (first) {
            messageOpcode = opcode;
            ensureReassembly(to - from);
            reassembly.clear();
        } else {
            ensureReassembly(reassembly.position() + (to - from));
        }
        reassembly.put(reassembly.position(), in, from, to - from);
        reassembly.position(reassembly.position() + (to - from));
        if (fin) {
            messageOpcode = 0;
            reassembly.flip();
            deliver(reassembly, 0, reassembly.limit(), false, messageType, listener);
            if (reassembly.capacity() > KEEP_REASSEMBLY_BYTES) {
                reassembly = null;
            } else {
                reassembly.clear();
            }
        }
        return Integer.MIN_VALUE;
    }

    private void deliver(ByteBuffer buf, int from, int to, boolean restore, int type, Listener listener) {
        int savedPosition = buf.position();
        int savedLimit = buf.limit();
        buf.limit(to).position(from);
        try {
            listener.onMessage(type == WsFrames.OP_TEXT, buf);
        } finally {
            if (restore) {
                buf.limit(savedLimit).position(savedPosition);
            }
        }
    }

    private void ensureReassembly(int needed) {
        if (reassembly == null) {
            reassembly = ByteBuffer.allocate(Math.max(needed, 1024));
        } else if (reassembly.capacity() < needed) {
            int capacity = (int) Math.min(maxMessageBytes, Math.max(needed, 2L * reassembly.capacity()));
            ByteBuffer bigger = ByteBuffer.allocate(capacity);
            reassembly.flip();
            bigger.put(reassembly);
            reassembly = bigger;
        }
    }

    private int control(int opcode, ByteBuffer in, int from, int to, Listener listener) {
        int savedLimit = in.limit();
        in.limit(to).position(from);
        try {
            if (opcode == WsFrames.OP_PING) {
                listener.onPing(in);
            } else if (opcode == WsFrames.OP_PONG) {
                listener.onPong(in);
            } else {
                return close(in, from, to, listener);
            }
        } finally {
            in.limit(savedLimit).position(to);
        }
        return Integer.MIN_VALUE;
    }

    private int close(ByteBuffer in, int from, int to, Listener listener) {
        int length = to - from;
        if (length == 1) {
            return fail(WsFrames.CLOSE_PROTOCOL_ERROR, "close frame with a one-byte payload");
        }
        int code = WsFrames.CLOSE_NO_STATUS;
        String reason = "";
        if (length >= 2) {
            code = in.getShort(from) & 0xFFFF;
            if (!WsFrames.isValidPeerCloseCode(code)) {
                return fail(WsFrames.CLOSE_PROTOCOL_ERROR, "invalid close code " + code);
            }
            Utf8Validator v = new Utf8Validator();
            if (!v.update(in, from + 2, to) || !v.isComplete()) {
                return fail(WsFrames.CLOSE_INVALID_DATA, "close reason is not valid UTF-8");
            }
            byte[] r = new byte[length - 2];
            in.get(from + 2, r);
            reason = new String(r, java.nio.charset.StandardCharsets.UTF_8);
        }
        closed = true;
        listener.onClose(code, reason);
        return CLOSED;
    }

    /**
     * XORs [from, to) with the 4-byte key in place, a long at a time where it can: the key
     * repeats every 4 bytes, so a long of it masks 8 bytes that start at a multiple of 4
     * from the payload's start.
     */
    static void unmask(ByteBuffer buf, int key, int from, int to) {
        long key8 = ((key & 0xFFFFFFFFL) << 32) | (key & 0xFFFFFFFFL);
        int i = from;
        for (; i + 8 <= to; i += 8) {
            buf.putLong(i, buf.getLong(i) ^ key8);
        }
        for (; i < to; i++) {
            int shift = 24 - 8 * ((i - from) & 3);
            buf.put(i, (byte) (buf.get(i) ^ (key >>> shift)));
        }
    }

    private int fail(int code, String reason) {
        errorReason = reason;
        closed = true;
        return code;
    }
}
