package io.fanout.broker;

import java.nio.ByteBuffer;

/** Lets the JMH benchmarks fill a {@link Publication} the way the broker does. */
public final class JmhPublications {
    private JmhPublications() {
    }

    public static Publication of(byte[] channel, ByteBuffer payload) {
        Publication p = new Publication();
        p.set(TopicKind.CHANNEL, channel, payload, Origin.LOCAL);
        return p;
    }
}
