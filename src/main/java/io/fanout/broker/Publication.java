package io.fanout.broker;

import java.nio.ByteBuffer;


/**
 * The message being fanned out right now on one loop: its topic, its payload (a read-only
 * window, often straight into the publisher's input buffer) and where it came from.
 * Reused for every publish on its loop; valid only during one {@link TopicShard#deliver}.
 */
public final class Publication {
    private TopicKind kind;
    private byte[] channel;
    private ByteBuffer payload;
    private Origin origin;

    void set(TopicKind kind, byte[] channel, ByteBuffer payload, Origin origin) {
        this.kind = kind;
        this.channel = channel;
        this.payload = payload;
        this.origin = origin;
    }

    void clear() {
        channel = null;
        payload = null;
    }

    /** CHANNEL for PUBLISH and line messages, SHARD for SPUBLISH. */
    public TopicKind kind() {
        return kind;
    }

    public byte[] channel() {
        return channel;
    }

    /** The payload between position and limit; do not move its position. */
    public ByteBuffer payload() {
        return payload;
    }

    public int payloadLength() {
        return payload.remaining();
    }

    public Origin origin() {
        return origin;
    }
}
