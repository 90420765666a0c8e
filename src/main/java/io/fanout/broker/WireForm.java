package io.fanout.broker;

import io.fanout.engine.Frame;
import io.fanout.engine.FramePool;

/**
 * One way a published message is written on the wire (a line, a RESP2 array, a RESP3 push).
 * The broker asks each form for a frame at most once per message (and once per matching
 * pattern) and shares it with every subscriber of that form.
 *
 * <p>Implementations are stateless and thread-safe; {@link #index()} is the form's dense
 * position in the broker's form list.
 */
public interface WireForm {
    int index();

    /** The frame for a subscriber of the channel (or shard channel) itself. */
    Frame encode(Publication publication, FramePool pool);

    /** The frame for a subscriber of {@code pattern} that matched the channel. */
    Frame encodeForPattern(Publication publication, byte[] pattern, FramePool pool);
}
