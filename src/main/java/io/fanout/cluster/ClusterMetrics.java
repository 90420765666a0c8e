package io.fanout.cluster;

import java.util.function.ToDoubleFunction;

import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.model.registry.PrometheusRegistry;

/**
 * The {@code fanout_cluster_*} metrics of a node with {@code --cluster}: read from
 * {@link ClusterStats} when Prometheus scrapes (metrics threads only). docs/OPERATIONS.md
 * lists them.
 */
public final class ClusterMetrics {
    private ClusterMetrics() {
    }

    public static void register(PrometheusRegistry registry, ClusterLink link) {
        ClusterStats s = link.stats();
        gauge(registry, "fanout_cluster_link_up", "1 while every Redis connection of the cluster link is up, else 0",
                x -> x.linkUp() ? 1 : 0, s);
        counter(registry, "fanout_cluster_link_lost_total", "Redis connections of the link that dropped",
                ClusterStats::linkLost, s);
        counter(registry, "fanout_cluster_reconnects_total", "Redis connections of the link re-established",
                ClusterStats::reconnects, s);
        counter(registry, "fanout_cluster_relayed_out_total", "Local messages published to Redis (once per message)",
                ClusterStats::relayedOut, s);
        counter(registry, "fanout_cluster_relayed_in_total",
                "Messages from Redis delivered to this node (other nodes' and plain Redis publishers')",
                ClusterStats::relayedIn, s);
        counter(registry, "fanout_cluster_echoes_skipped_total",
                "This node's own messages that Redis sent back and the node skipped", ClusterStats::echoesSkipped, s);
        CounterWithCallback.builder()
                .name("fanout_cluster_not_relayed_total")
                .help("Messages that did not cross the link, by reason (queue-full, link-down, error, inbound-backlog)")
                .labelNames("reason")
                .callback(cb -> {
                    for (ClusterStats.NotRelayed r : ClusterStats.NotRelayed.values()) {
                        cb.call(s.notRelayed(r), r.label());
                    }
                })
                .register(registry);
        gauge(registry, "fanout_cluster_queue_bytes", "Bytes of local messages waiting to be published to Redis",
                ClusterStats::queuedBytes, s);
        gauge(registry, "fanout_cluster_inbound_bytes", "Bytes of messages from Redis posted to loops, not yet delivered",
                ClusterStats::inboundBytes, s);
        gauge(registry, "fanout_cluster_redis_subscriptions",
                "Subscriptions this node wants in Redis (channels, patterns, shard channels)",
                ClusterStats::redisSubscriptions, s);
        registry.register(s.lagSeconds);
    }

    private static void gauge(PrometheusRegistry r, String name, String help, ToDoubleFunction<ClusterStats> f,
                              ClusterStats s) {
        GaugeWithCallback.builder().name(name).help(help).callback(cb -> cb.call(f.applyAsDouble(s))).register(r);
    }

    private static void counter(PrometheusRegistry r, String name, String help, ToDoubleFunction<ClusterStats> f,
                                ClusterStats s) {
        CounterWithCallback.builder().name(name).help(help).callback(cb -> cb.call(f.applyAsDouble(s))).register(r);
    }
}
