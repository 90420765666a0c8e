package io.fanout.bench;

import java.nio.ByteBuffer;

/**
 * Decodes what a Server-Sent Events subscriber of {@code /sse/<channel>} receives: lines
 * ending in {@code \n}; a {@code data: } line carries a message (bench payloads have no line
 * break, so one line is one event), {@code data: ?...} is a probe; comments ({@code : ping}),
 * other fields and the blank lines between events are skipped. An incomplete line stays for
 * the next read.
 *
 * <p>Fast path as in the line decoder: a bench event's {@code \n} is where the payload size
 * says, so most lines are not scanned byte by byte.
 *
 * <p>Threads: one instance per subscriber loop thread.
 */
final class SseEventDecoder implements SubscriberDecoder {
    private static final int DATA = 6; // "data: "
    private final int expectedPayloadBytes;

    SseEventDecoder(int expectedPayloadBytes) {
        this.expectedPayloadBytes = expectedPayloadBytes;
    }

    @Override
    public String problem() {
        return "event line longer than the read buffer";
    }

    @Override
    public int decode(ByteBuffer src, FrameSink sink) {
        int pos = src.position();
        int limit = src.limit();
        while (pos < limit) {
            int expectedEnd = pos + DATA + expectedPayloadBytes;
            int newline;
            if (expectedEnd < limit && src.get(expectedEnd) == '\n' && src.get(pos) == 'd') {
                newline = expectedEnd;
            } else {
                newline = scan(src, pos, limit);
                if (newline < 0) {
                    break;
                }
            }
            if (newline - pos >= DATA && isDataField(src, pos)) {
                int start = pos + DATA;
                if (newline > start && src.get(start) == '?') {
                    sink.onProbe();
                } else {
                    sink.onMessage(src, start, newline - start);
                }
            }
            pos = newline + 1;
        }
        src.position(pos);
        return OK;
    }

    private static boolean isDataField(ByteBuffer src, int pos) {
        return src.get(pos) == 'd' && src.get(pos + 1) == 'a' && src.get(pos + 2) == 't' && src.get(pos + 3) == 'a'
                && src.get(pos + 4) == ':' && src.get(pos + 5) == ' ';
    }

    private static int scan(ByteBuffer src, int from, int limit) {
        for (int i = from; i < limit; i++) {
            if (src.get(i) == '\n') {
                return i;
            }
        }
        return -1;
    }
}
