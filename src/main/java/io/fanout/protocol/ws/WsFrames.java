package io.fanout.protocol.ws;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

import io.fanout.engine.Frame;

/**
 * Server-to-client frames of RFC 6455 §5.2: FIN set, no RSV bits, never masked (only a
 * client masks), the length in 7, 16 or 64 bits, always the shortest form. Stateless.
 */
public final class WsFrames {
    public static final int OP_CONTINUATION = 0x0;
    public static final int OP_TEXT = 0x1;
    public static final int OP_BINARY = 0x2;
    public static final int OP_CLOSE = 0x8;
    public static final int OP_PING = 0x9;
    public static final int OP_PONG = 0xA;

    /** Close codes of RFC 6455 §7.4.1 and the IANA registry that fanout sends. */
    public static final int CLOSE_NORMAL = 1000;
    public static final int CLOSE_GOING_AWAY = 1001;
    public static final int CLOSE_PROTOCOL_ERROR = 1002;
    public static final int CLOSE_NO_STATUS = 1005;
    public static final int CLOSE_INVALID_DATA = 1007;
    public static final int CLOSE_POLICY = 1008;
    public static final int CLOSE_TOO_BIG = 1009;
    public static final int CLOSE_INTERNAL_ERROR = 1011;
    public static final int CLOSE_TRY_AGAIN_LATER = 1013;

    /** An empty ping: the keepalive the server sends every --ping-interval. */
    public static final byte[] PING = {(byte) (0x80 | OP_PING), 0};

    private WsFrames() {
    }

    /** Header bytes of an unmasked frame carrying {@code payloadLength} bytes. */
    public static int headerLength(long payloadLength) {
        if (payloadLength < 126) {
            return 2;
        }
        return payloadLength <= 0xFFFF ? 4 : 10;
    }

    /** Appends a final frame's header (FIN, opcode, length) to the frame being filled. */
    public static void writeHeader(Frame frame, int opcode, int payloadLength) {
        frame.put((byte) (0x80 | opcode));
        if (payloadLength < 126) {
            frame.put((byte) payloadLength);
        } else if (payloadLength <= 0xFFFF) {
            frame.put((byte) 126).put((byte) (payloadLength >>> 8)).put((byte) payloadLength);
        } else {
            frame.put((byte) 127);
            long len = payloadLength;
            for (int shift = 56; shift >= 0; shift -= 8) {
                frame.put((byte) (len >>> shift));
            }
        }
    }

    /** A whole final frame as a private byte array (control frames, replies, notices). */
    public static byte[] frame(int opcode, byte[] payload, int off, int len) {
        int h = headerLength(len);
        byte[] out = new byte[h + len];
        out[0] = (byte) (0x80 | opcode);
        if (h == 2) {
            out[1] = (byte) len;
        } else if (h == 4) {
            out[1] = 126;
            out[2] = (byte) (len >>> 8);
            out[3] = (byte) len;
        } else {
            out[1] = 127;
            for (int i = 0; i < 8; i++) {
                out[2 + i] = (byte) ((long) len >>> (56 - 8 * i));
            }
        }
        System.arraycopy(payload, off, out, h, len);
        return out;
    }

    public static byte[] textFrame(String text) {
        byte[] b = text.getBytes(StandardCharsets.UTF_8);
        return frame(OP_TEXT, b, 0, b.length);
    }

    /** A pong echoing the ping's application data (at most 125 bytes: a control frame). */
    public static byte[] pong(ByteBuffer pingPayload) {
        byte[] b = new byte[pingPayload.remaining()];
        pingPayload.get(pingPayload.position(), b);
        return frame(OP_PONG, b, 0, b.length);
    }

    /**
     * A close frame with a status code and a UTF-8 reason, cut to fit the 125-byte control
     * frame limit on a character boundary.
     */
    public static byte[] close(int code, String reason) {
        byte[] r = reason.getBytes(StandardCharsets.UTF_8);
        int len = Math.min(r.length, 123);
        while (len < r.length && len > 0 && (r[len] & 0xC0) == 0x80) {
            len--; // never end inside a multi-byte character
        }
        byte[] payload = new byte[2 + len];
        payload[0] = (byte) (code >>> 8);
        payload[1] = (byte) code;
        System.arraycopy(r, 0, payload, 2, len);
        return frame(OP_CLOSE, payload, 0, payload.length);
    }

    /** An empty close frame: the answer to a close that carried no status code. */
    public static byte[] closeEmpty() {
        return new byte[] {(byte) (0x80 | OP_CLOSE), 0};
    }

    /**
     * Whether a peer may send this close code (RFC 6455 §7.4: 1000-1003, 1007-1011 and the
     * registered 1012-1014; 3000-4999 for libraries and applications). 1005, 1006 and 1015
     * must never appear on the wire.
     */
    public static boolean isValidPeerCloseCode(int code) {
        return (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014) || (code >= 3000 && code <= 4999);
    }
}
