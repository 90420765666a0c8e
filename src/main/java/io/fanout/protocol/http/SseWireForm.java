package io.fanout.protocol.http;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

import io.fanout.broker.Publication;
import io.fanout.broker.WireForm;
import io.fanout.engine.Frame;
import io.fanout.protocol.ws.JsonEnvelope;
import io.fanout.protocol.ws.Utf8Validator;

/**
 * A message as a Server-Sent Events client sees it (WHATWG HTML §9.2), in one of two forms:
 * <ul>
 *   <li><b>plain</b> ({@code /sse/<channel>}): the payload as {@code data:} lines, one per
 *       line of the payload (CR, LF and CRLF all end a line, and EventSource joins them with
 *       LF), then a blank line. A payload that is not UTF-8 cannot travel as SSE text: it
 *       goes as {@code event: binary} with the bytes in base64 in one {@code data:} line.</li>
 *   <li><b>json</b> ({@code /sse?channel=..&pattern=..}): one {@code data:} line holding the
 *       {@link JsonEnvelope} (JSON never contains a raw line break), so a client of several
 *       channels and patterns knows where each message came from.</li>
 * </ul>
 * Written once per message and shared by every subscriber of the form. Stateless.
 */
public final class SseWireForm implements WireForm {
    private static final byte[] DATA = "data: ".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] BINARY = "event: binary\ndata: ".getBytes(StandardCharsets.US_ASCII);

    private final int index;
    private final boolean json;

    public SseWireForm(int index, boolean json) {
        this.index = index;
        this.json = json;
    }

    @Override
    public int index() {
        return index;
    }

    @Override
    public int encodedLength(Publication publication, byte[] pattern) {
        ByteBuffer payload = publication.payload();
        boolean utf8 = Utf8Validator.isValid(payload);
        if (json) {
            return DATA.length + JsonEnvelope.length(publication, pattern, utf8) + 2;
        }
        if (!utf8) {
            return BINARY.length + JsonEnvelope.base64Length(payload.remaining()) + 2;
        }
        int lines = 1;
        int breakBytes = 0;
        int end = payload.limit();
        for (int i = payload.position(); i < end; i++) {
            byte b = payload.get(i);
            if (b == '\n' || b == '\r') {
                lines++;
                breakBytes++;
                if (b == '\r' && i + 1 < end && payload.get(i + 1) == '\n') {
                    i++;
                    breakBytes++;
                }
            }
        }
        // Each line: "data: " + text + "\n"; then the blank line.
        return lines * (DATA.length + 1) + payload.remaining() - breakBytes + 1;
    }

    @Override
    public void writeTo(Frame frame, Publication publication, byte[] pattern) {
        ByteBuffer payload = publication.payload();
        boolean utf8 = Utf8Validator.isValid(payload);
        if (json) {
            frame.put(DATA);
            JsonEnvelope.write(frame, publication, pattern, utf8);
            frame.put((byte) '\n').put((byte) '\n');
        } else if (!utf8) {
            frame.put(BINARY);
            JsonEnvelope.writeBase64(frame, payload, payload.position(), payload.limit());
            frame.put((byte) '\n').put((byte) '\n');
        } else {
            writeLines(frame, payload);
        }
    }

    private static void writeLines(Frame frame, ByteBuffer payload) {
        int end = payload.limit();
        int lineStart = payload.position();
        for (int i = lineStart; i < end; i++) {
            byte b = payload.get(i);
            if (b == '\n' || b == '\r') {
                frame.put(DATA).put(payload, lineStart, i - lineStart).put((byte) '\n');
                if (b == '\r' && i + 1 < end && payload.get(i + 1) == '\n') {
                    i++;
                }
                lineStart = i + 1;
            }
        }
        frame.put(DATA).put(payload, lineStart, end - lineStart).put((byte) '\n').put((byte) '\n');
    }
}
