package io.fanout.protocol.line;

import io.fanout.broker.Publication;
import io.fanout.broker.WireForm;
import io.fanout.engine.Frame;

/** A message as a line client sees it: the payload bytes and {@code \n}. Stateless. */
public final class LineWireForm implements WireForm {
    private final int index;

    public LineWireForm(int index) {
        this.index = index;
    }

    @Override
    public int index() {
        return index;
    }

    @Override
    public int encodedLength(Publication publication, byte[] pattern) {
        return publication.payloadLength() + 1;
    }

    /** Line clients never hold patterns; the bytes are the same either way. */
    @Override
    public void writeTo(Frame frame, Publication publication, byte[] pattern) {
        frame.put(publication.payload()).put((byte) '\n');
    }
}
