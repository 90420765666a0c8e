package io.fanout.cluster;

/**
 * The {@code --cluster*} options, immutable.
 *
 * @param uri where Redis is
 * @param prefix put in front of every channel and pattern name in Redis ({@code fanout:})
 * @param queueBytes bound of the outbound relay queue (bytes of messages waiting for Redis)
 * @param inboundBytes bound of messages from Redis posted to the loops and not yet delivered
 */
public record ClusterConfig(ClusterUri uri, String prefix, long queueBytes, long inboundBytes) {
    public static final String DEFAULT_PREFIX = "fanout:";
    public static final long DEFAULT_QUEUE_BYTES = 16L << 20;
    public static final long DEFAULT_INBOUND_BYTES = 64L << 20;

    public ClusterConfig {
        if (prefix == null) {
            throw new IllegalArgumentException("prefix must not be null");
        }
        if (queueBytes < 1 || inboundBytes < 1) {
            throw new IllegalArgumentException("queue bounds must be positive");
        }
    }

    public static ClusterConfig of(String uri) {
        return new ClusterConfig(ClusterUri.parse(uri), DEFAULT_PREFIX, DEFAULT_QUEUE_BYTES, DEFAULT_INBOUND_BYTES);
    }

    public ClusterConfig withPrefix(String p) {
        return new ClusterConfig(uri, p, queueBytes, inboundBytes);
    }

    public ClusterConfig withQueueBytes(long n) {
        return new ClusterConfig(uri, prefix, n, inboundBytes);
    }
}
