package io.fanout.bench;

import java.nio.ByteBuffer;

/**
 * Decodes what a line client receives: {@code \n}-terminated lines (a {@code \r} before the
 * {@code \n} is dropped). A line starting with {@code ?} is a probe, anything else is handed
 * on as a message (the sink tells bench payloads from foreign lines).
 *
 * <p>Fast path: bench lines all have the configured payload size, so the decoder first
 * looks for the {@code \n} exactly where it should be and only scans byte by byte when it
 * is not there (probes, foreign lines).
 *
 * <p>Threads: one instance per subscriber loop thread.
 */
final class LineFrameDecoder implements SubscriberDecoder {
    private final int expectedPayloadBytes;

    LineFrameDecoder(int expectedPayloadBytes) {
        this.expectedPayloadBytes = expectedPayloadBytes;
    }

    @Override
    public String problem() {
        return "line longer than the read buffer";
    }

    @Override
    public int decode(ByteBuffer src, FrameSink sink) {
        int pos = src.position();
        int limit = src.limit();
        while (pos < limit) {
            int expectedEnd = pos + expectedPayloadBytes;
            int newline;
            if (expectedEnd < limit && src.get(expectedEnd) == '\n' && src.get(pos) == PayloadHeader.MARK) {
                newline = expectedEnd;
            } else {
                newline = scan(src, pos, limit);
                if (newline < 0) {
                    break;
                }
            }
            int length = newline - pos;
            if (length > 0 && src.get(newline - 1) == '\r') {
                length--;
            }
            if (length > 0 && src.get(pos) == '?') {
                sink.onProbe();
            } else {
                sink.onMessage(src, pos, length);
            }
            pos = newline + 1;
        }
        src.position(pos);
        return OK;
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
