package io.fanout.metrics;

import java.util.List;
import java.util.function.ToLongFunction;

import io.fanout.broker.Broker;
import io.fanout.broker.TopicKind;
import io.fanout.engine.CloseReason;
import io.fanout.engine.Connection;
import io.fanout.engine.Engine;
import io.fanout.engine.EventLoop;
import io.fanout.engine.LoopStats;
import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.model.registry.PrometheusRegistry;

/**
 * The {@code fanout_*} metrics: callback counters and gauges that read the engine's per-loop
 * snapshots when Prometheus scrapes, and at no other time.
 *
 * <p>Threads: callbacks run on the metrics server's executor. They only read plain fields
 * that each loop writes on its own thread ({@link LoopStats}, {@link EventLoop#pendingBytes},
 * the frame pools, each connection's write queue) and the engine's and broker's concurrent
 * registries: no lock, no atomic, nothing posted to a loop, so a scrape costs the loops
 * nothing. The price is a racy view: a value may be a turn old, and one scrape is not a
 * consistent cut across loops or metrics (published and deliveries are read microseconds
 * apart). Rates over a scrape interval do not care.
 *
 * <p>Names and labels are part of the product's contract (dashboards and alerts use them);
 * docs/METRICS-draft.md lists them. Counters are sums over loops, so {@code --io-threads}
 * never changes what a query means; per-loop series exist only where a loop is the subject.
 */
final class EngineMetrics {
    /** The reasons that fanout_slow_disconnects_total breaks down, in enum order. */
    private static final List<CloseReason> SLOW_REASONS =
            List.of(CloseReason.values()).stream().filter(CloseReason::isSlowConsumer).toList();
    private static final double NANOS_PER_SECOND = 1e9;

    private EngineMetrics() {
    }

    static void register(PrometheusRegistry registry, Engine engine, Broker broker) {
        // The loop list is fixed when the engine is built; read it once, not per scrape.
        List<EventLoop> loops = engine.loops();
        registerClientGauges(registry, engine, loops);
        registerTrafficCounters(registry, loops);
        registerBacklogMetrics(registry, engine, loops);
        registerDisconnectCounters(registry, loops);
        registerLoopMetrics(registry, loops);
        registerBrokerGauges(registry, broker);
    }

    private static void registerClientGauges(PrometheusRegistry registry, Engine engine, List<EventLoop> loops) {
        // One series per protocol label (line, resp, http and its upgrades ws, sse); sum() gives all clients.
        GaugeWithCallback.builder()
                .name("fanout_connected_clients")
                .help("Open client connections, by protocol")
                .labelNames("proto")
                .callback(cb -> {
                    for (String proto : engine.clientLabels()) {
                        cb.call(engine.connectedClients(proto), proto);
                    }
                })
                .register(registry);
        counter(registry, loops, "fanout_connections_accepted_total",
                "Client connections accepted and set up", s -> s.accepted);
        counter(registry, loops, "fanout_connections_rejected_total",
                "Client connections refused because --max-clients were open", s -> s.rejected);
    }

    private static void registerTrafficCounters(PrometheusRegistry registry, List<EventLoop> loops) {
        counter(registry, loops, "fanout_messages_published_total",
                "Messages published (line, PUBLISH, SPUBLISH), counted once on the loop that received them",
                s -> s.published);
        counter(registry, loops, "fanout_deliveries_total",
                "Message copies queued to subscribers (one per receiving subscriber per message)",
                s -> s.deliveries);
        counter(registry, loops, "fanout_bytes_written_total",
                "Bytes the kernel accepted from client write queues", s -> s.bytesWritten);
        counter(registry, loops, "fanout_bytes_read_total",
                "Bytes read from client sockets", s -> s.bytesRead);
        counter(registry, loops, "fanout_write_calls_total",
                "Gathering write calls made to client sockets", s -> s.writeCalls);
        counter(registry, loops, "fanout_dropped_messages_total",
                "Whole queued messages dropped by --slow-policy drop-oldest", s -> s.droppedMessages);
    }

    private static void registerBacklogMetrics(PrometheusRegistry registry, Engine engine, List<EventLoop> loops) {
        GaugeWithCallback.builder()
                .name("fanout_pending_bytes")
                .help("Bytes queued for clients and not yet taken by the kernel, all connections together")
                .callback(cb -> cb.call(engine.totalPendingBytes()))
                .register(registry);
        GaugeWithCallback.builder()
                .name("fanout_pending_bytes_max")
                .help("Largest backlog of one connection: bytes queued for it and not yet taken by the kernel")
                .callback(cb -> cb.call(largestConnectionBacklog(engine)))
                .register(registry);
        GaugeWithCallback.builder()
                .name("fanout_loop_pending_bytes")
                .help("Bytes queued for the clients of one loop and not yet taken by the kernel")
                .labelNames("loop")
                .callback(cb -> {
                    for (EventLoop loop : loops) {
                        cb.call(loop.pendingBytes(), loopLabel(loop));
                    }
                })
                .register(registry);
        GaugeWithCallback.builder()
                .name("fanout_frame_pool_direct_bytes")
                .help("Direct memory held by the message frame pools (in use or idle), all loops")
                .callback(cb -> {
                    long sum = 0;
                    for (EventLoop loop : loops) {
                        sum += loop.framePool().allocatedDirectBytes();
                    }
                    cb.call(sum);
                })
                .register(registry);
    }

    private static void registerDisconnectCounters(PrometheusRegistry registry, List<EventLoop> loops) {
        // Every label is exported from the start, zeros included: rate() and alerts on a
        // reason work before the first such close, and a missing series never hides one.
        CounterWithCallback.builder()
                .name("fanout_disconnects_total")
                .help("Connections closed or refused, by reason (the [CLOSE] log's reason= label)")
                .labelNames("reason")
                .callback(cb -> {
                    for (CloseReason reason : CloseReason.values()) {
                        cb.call(closed(loops, reason), reason.label());
                    }
                })
                .register(registry);
        CounterWithCallback.builder()
                .name("fanout_slow_disconnects_total")
                .help("Subscribers cut by the slow-client policy, by rule (slow-hard, slow-soft, slow-deadline,"
                        + " slow-budget)")
                .labelNames("reason")
                .callback(cb -> {
                    for (CloseReason reason : SLOW_REASONS) {
                        cb.call(closed(loops, reason), reason.label());
                    }
                })
                .register(registry);
    }

    private static void registerLoopMetrics(PrometheusRegistry registry, List<EventLoop> loops) {
        perLoopGauge(registry, loops, "fanout_loop_turn_seconds_max",
                "Longest event-loop turn since start (work between two selects)", s -> s.maxTurnNanos);
        perLoopGauge(registry, loops, "fanout_loop_turn_seconds_last",
                "Duration of the loop's most recent turn", s -> s.lastTurnNanos);
        CounterWithCallback.builder()
                .name("fanout_loop_turns_total")
                .help("Event-loop turns; an idle loop still turns about once a second")
                .labelNames("loop")
                .callback(cb -> {
                    for (EventLoop loop : loops) {
                        cb.call(loop.stats().turns, loopLabel(loop));
                    }
                })
                .register(registry);
    }

    private static void registerBrokerGauges(PrometheusRegistry registry, Broker broker) {
        GaugeWithCallback.builder()
                .name("fanout_pubsub_topics")
                .help("Channels, patterns and shard channels with at least one subscriber")
                .labelNames("kind")
                .callback(cb -> {
                    cb.call(broker.topicCount(TopicKind.CHANNEL), "channel");
                    cb.call(broker.patternCount(), "pattern");
                    cb.call(broker.topicCount(TopicKind.SHARD), "shard");
                })
                .register(registry);
    }

    private static void counter(PrometheusRegistry registry, List<EventLoop> loops, String name, String help,
                                ToLongFunction<LoopStats> field) {
        CounterWithCallback.builder()
                .name(name)
                .help(help)
                .callback(cb -> cb.call(sum(loops, field)))
                .register(registry);
    }

    private static void perLoopGauge(PrometheusRegistry registry, List<EventLoop> loops, String name, String help,
                                     ToLongFunction<LoopStats> nanos) {
        GaugeWithCallback.builder()
                .name(name)
                .help(help)
                .labelNames("loop")
                .callback(cb -> {
                    for (EventLoop loop : loops) {
                        cb.call(nanos.applyAsLong(loop.stats()) / NANOS_PER_SECOND, loopLabel(loop));
                    }
                })
                .register(registry);
    }

    private static long sum(List<EventLoop> loops, ToLongFunction<LoopStats> field) {
        long sum = 0;
        for (EventLoop loop : loops) {
            sum += field.applyAsLong(loop.stats());
        }
        return sum;
    }

    /**
     * A scan of the engine's connection registry, reading each write queue's counter racily:
     * O(connections) per scrape, on the scraping thread; the loops never wait for it.
     */
    private static long largestConnectionBacklog(Engine engine) {
        long max = 0;
        for (Connection c : engine.connections()) {
            max = Math.max(max, c.pendingBytes());
        }
        return max;
    }

    private static long closed(List<EventLoop> loops, CloseReason reason) {
        long sum = 0;
        for (EventLoop loop : loops) {
            sum += loop.stats().closed(reason);
        }
        return sum;
    }

    private static String loopLabel(EventLoop loop) {
        return Integer.toString(loop.index());
    }
}
