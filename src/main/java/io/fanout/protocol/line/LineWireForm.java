package io.fanout.protocol.line;

import io.fanout.broker.Publication;
import io.fanout.broker.WireForm;
import io.fanout.engine.Frame;
import io.fanout.engine.FramePool;

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
    public Frame encode(Publication publication, FramePool pool) {
        int len = publication.payloadLength();
        return pool.acquire(len + 1).put(publication.payload()).put((byte) '\n');
    }

    @Override
    public Frame encodeForPattern(Publication publication, byte[] pattern, FramePool pool) {
        return encode(publication, pool); // line clients never hold patterns; same bytes anyway
    }
}
