package io.fanout.cluster;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

import io.prometheus.metrics.core.metrics.Histogram;

/**
 * Counters of one cluster link. Written by event loops (queue offers), the link thread and
 * Lettuce's I/O threads, read by metrics scrapes and tests: adders and atomics, none of
 * them on the fan-out path (one increment per message, not per subscriber).
 */
public final class ClusterStats {
    /** Why a message did not cross the link (label values of fanout_cluster_not_relayed_total). */
    public enum NotRelayed {
        /** Outbound queue over --cluster-queue: the link could not keep up. */
        QUEUE_FULL("queue-full"),
        /** Redis was unreachable when the message's turn came. */
        LINK_DOWN("link-down"),
        /** Redis answered the PUBLISH with an error. */
        ERROR("error"),
        /** Inbound: the loops were behind by more than the inbound bound. */
        INBOUND_BACKLOG("inbound-backlog");

        private final String label;

        NotRelayed(String label) {
            this.label = label;
        }

        public String label() {
            return label;
        }
    }

    final LongAdder relayedOut = new LongAdder();
    final LongAdder relayedIn = new LongAdder();
    final LongAdder echoesSkipped = new LongAdder();
    final LongAdder reconnects = new LongAdder();
    final LongAdder linkLost = new LongAdder();
    private final LongAdder[] notRelayed = new LongAdder[NotRelayed.values().length];
    final AtomicLong queuedBytes = new AtomicLong();
    final AtomicLong inboundBytes = new AtomicLong();
    volatile boolean linkUp;
    volatile int redisSubscriptions;
    /** Publish time (sender's clock) to arrival here, for enveloped messages. */
    final Histogram lagSeconds = Histogram.builder()
            .name("fanout_cluster_relay_lag_seconds")
            .help("Time from the publishing node's relay to arrival at this node through Redis")
            .classicUpperBounds(0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5)
            .build();

    ClusterStats() {
        for (int i = 0; i < notRelayed.length; i++) {
            notRelayed[i] = new LongAdder();
        }
    }

    void countNotRelayed(NotRelayed reason) {
        notRelayed[reason.ordinal()].increment();
    }

    public long notRelayed(NotRelayed reason) {
        return notRelayed[reason.ordinal()].sum();
    }

    public long relayedOut() {
        return relayedOut.sum();
    }

    public long relayedIn() {
        return relayedIn.sum();
    }

    public long echoesSkipped() {
        return echoesSkipped.sum();
    }

    public long reconnects() {
        return reconnects.sum();
    }

    public long linkLost() {
        return linkLost.sum();
    }

    public boolean linkUp() {
        return linkUp;
    }

    public long queuedBytes() {
        return queuedBytes.get();
    }

    public long inboundBytes() {
        return inboundBytes.get();
    }

    /** Subscriptions this node holds in Redis (channels + patterns + shard channels). */
    public int redisSubscriptions() {
        return redisSubscriptions;
    }
}
