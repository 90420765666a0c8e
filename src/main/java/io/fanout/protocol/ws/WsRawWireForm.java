package io.fanout.protocol.ws;

import java.nio.ByteBuffer;

import io.fanout.broker.Publication;
import io.fanout.broker.WireForm;
import io.fanout.engine.Frame;

/**
 * A message as a raw-mode WebSocket client ({@code /ws/<channel>}) sees it: one unmasked
 * final frame, text when the payload is valid UTF-8, binary otherwise. Written once per
 * message and shared by every raw WebSocket subscriber of the topic. Stateless.
 */
public final class WsRawWireForm implements WireForm {
    private final int index;

    public WsRawWireForm(int index) {
        this.index = index;
    }

    @Override
    public int index() {
        return index;
    }

    @Override
    public int encodedLength(Publication publication, byte[] pattern) {
        int n = publication.payloadLength();
        return WsFrames.headerLength(n) + n;
    }

    @Override
    public void writeTo(Frame frame, Publication publication, byte[] pattern) {
        ByteBuffer payload = publication.payload();
        int opcode = Utf8Validator.isValid(payload) ? WsFrames.OP_TEXT : WsFrames.OP_BINARY;
        WsFrames.writeHeader(frame, opcode, payload.remaining());
        frame.put(payload);
    }
}
