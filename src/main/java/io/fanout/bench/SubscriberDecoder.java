package io.fanout.bench;

import java.nio.ByteBuffer;

/**
 * Turns the bytes a subscriber received into frames, incrementally: {@link #decode} consumes
 * every complete frame between src's position and limit and leaves the position at the start
 * of the first incomplete one, so the caller compacts and reads more. No allocation per frame.
 */
interface SubscriberDecoder {
    /** Returned by {@link #decode} when the stream cannot be trusted any more. */
    int MALFORMED = -2;
    /** Returned by {@link #decode} when every complete frame was consumed. */
    int OK = 0;

    int decode(ByteBuffer src, FrameSink sink);

    /** A short reason for the last {@link #MALFORMED}. */
    String problem();

    static SubscriberDecoder of(BenchConfig config) {
        return switch (config.proto()) {
            case RESP -> new RespPushDecoder(config.channel(), config.payloadBytes());
            case LINE -> new LineFrameDecoder(config.payloadBytes());
            case WS -> new WsFrameClientDecoder();
            case SSE -> new SseEventDecoder(config.payloadBytes());
        };
    }
}
