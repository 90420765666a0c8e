package io.fanout.bench;

import java.nio.ByteBuffer;

/**
 * What a subscriber decoder reports, frame by frame. Buffers passed in are only valid during
 * the call (the decoder's caller compacts them afterwards); nothing is copied.
 */
interface FrameSink {
    /** A published message: its payload is src[offset, offset+length). */
    void onMessage(ByteBuffer src, int offset, int length);

    /** RESP: a subscribe confirmation. */
    void onSubscribed();

    /** Line: a probe line, proof that this client is joined to the line channel. */
    void onProbe();

    /** RESP: a top-level integer reply (the answer to CLIENT ID). */
    void onInteger(long value);

    /** RESP: an error reply, {@code src[offset, offset+length)} without the '-' and CRLF. */
    void onError(ByteBuffer src, int offset, int length);
}
