package io.fanout.cluster;

import java.nio.ByteBuffer;

import io.fanout.broker.Broker;
import io.fanout.broker.TopicKind;
import io.fanout.engine.EventLoop;

/**
 * One message from Redis on its way into one loop: posted with {@link EventLoop#execute}
 * (once per message per loop with receivers) and run on that loop's thread, where the
 * broker encodes it once per wire form like any other message.
 */
final class InboundDelivery implements Runnable {
    private final Broker broker;
    private final EventLoop loop;
    private final TopicKind kind;
    private final byte[] channel;
    private final byte[] pattern;
    private final byte[] message;
    private final int offset;
    private final ClusterStats stats;

    InboundDelivery(Broker broker, EventLoop loop, TopicKind kind, byte[] channel, byte[] pattern,
                    byte[] message, int offset, ClusterStats stats) {
        this.broker = broker;
        this.loop = loop;
        this.kind = kind;
        this.channel = channel;
        this.pattern = pattern;
        this.message = message;
        this.offset = offset;
        this.stats = stats;
    }

    /** Bytes this delivery holds until it runs (counted against the inbound bound). */
    int accountedBytes() {
        return message.length - offset;
    }

    @Override
    public void run() {
        try {
            broker.deliverFromCluster(loop, kind, channel, pattern,
                    ByteBuffer.wrap(message, offset, message.length - offset));
        } finally {
            stats.inboundBytes.addAndGet(-accountedBytes());
        }
    }
}
