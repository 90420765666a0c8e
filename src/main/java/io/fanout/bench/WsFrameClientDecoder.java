package io.fanout.bench;

import java.nio.ByteBuffer;

/**
 * Decodes what a WebSocket subscriber receives from the server (unmasked frames, RFC 6455
 * §5.2): text and binary frames carry messages, a payload starting with {@code ?} is a
 * probe; control frames (ping, pong, close) are skipped (the server's keepalive pings come
 * every --ping-interval, 25 s by default: a bench longer than two intervals should run the
 * server with {@code --ping-interval 0}). An incomplete frame stays for the next read.
 *
 * <p>Threads: one instance per subscriber loop thread.
 */
final class WsFrameClientDecoder implements SubscriberDecoder {
    private String problem = "";

    @Override
    public String problem() {
        return problem;
    }

    @Override
    public int decode(ByteBuffer src, FrameSink sink) {
        int pos = src.position();
        int limit = src.limit();
        while (limit - pos >= 2) {
            int b0 = src.get(pos) & 0xFF;
            int b1 = src.get(pos + 1) & 0xFF;
            if ((b1 & 0x80) != 0 || (b0 & 0x70) != 0) {
                problem = "masked or RSV-flagged frame from the server";
                src.position(pos);
                return MALFORMED;
            }
            int len7 = b1 & 0x7F;
            int header = len7 < 126 ? 2 : len7 == 126 ? 4 : 10;
            if (limit - pos < header) {
                break;
            }
            long length = len7 < 126 ? len7 : len7 == 126 ? src.getShort(pos + 2) & 0xFFFF : src.getLong(pos + 2);
            if (length < 0 || length > Integer.MAX_VALUE - 16) {
                problem = "frame length out of range";
                src.position(pos);
                return MALFORMED;
            }
            if (limit - pos < header + length) {
                break;
            }
            int start = pos + header;
            int opcode = b0 & 0x0F;
            if (opcode == 0x1 || opcode == 0x2) {
                if (length > 0 && src.get(start) == '?') {
                    sink.onProbe();
                } else {
                    sink.onMessage(src, start, (int) length);
                }
            }
            pos = start + (int) length;
        }
        src.position(pos);
        return OK;
    }
}
