package io.fanout.protocol.ws;

import io.fanout.broker.Publication;
import io.fanout.broker.WireForm;
import io.fanout.engine.Frame;

/**
 * A message as a {@code fanout.json} WebSocket client sees it: one text frame holding the
 * {@link JsonEnvelope}. Pattern subscribers get the pattern in it, so each matching pattern
 * has its own frame (as RESP's pmessage). Stateless.
 */
public final class WsJsonWireForm implements WireForm {
    private final int index;

    public WsJsonWireForm(int index) {
        this.index = index;
    }

    @Override
    public int index() {
        return index;
    }

    @Override
    public int encodedLength(Publication publication, byte[] pattern) {
        int n = JsonEnvelope.length(publication, pattern, Utf8Validator.isValid(publication.payload()));
        return WsFrames.headerLength(n) + n;
    }

    @Override
    public void writeTo(Frame frame, Publication publication, byte[] pattern) {
        boolean utf8 = Utf8Validator.isValid(publication.payload());
        WsFrames.writeHeader(frame, WsFrames.OP_TEXT, JsonEnvelope.length(publication, pattern, utf8));
        JsonEnvelope.write(frame, publication, pattern, utf8);
    }
}
