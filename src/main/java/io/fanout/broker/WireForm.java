package io.fanout.broker;

import io.fanout.engine.Frame;

/**
 * One way a published message is written on the wire (a line, a RESP2 array, a RESP3 push).
 * The broker writes each message at most once per form (and once per matching pattern) and
 * shares the bytes with every subscriber of that form — in a frame of their own, or
 * appended to the frame the same subscribers already got earlier in this loop turn.
 *
 * <p>Implementations are stateless and thread-safe; {@link #index()} is the form's dense
 * position in the broker's form list.
 */
public interface WireForm {
    int index();

    /** Bytes {@link #writeTo} will append; {@code pattern} is null for a direct subscriber. */
    int encodedLength(Publication publication, byte[] pattern);

    /**
     * Appends the message as a subscriber of the channel (pattern null) or of
     * {@code pattern} receives it. The frame has at least {@link #encodedLength} free bytes.
     */
    void writeTo(Frame frame, Publication publication, byte[] pattern);
}
