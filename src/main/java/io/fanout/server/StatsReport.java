package io.fanout.server;

import io.fanout.engine.CloseReason;
import io.fanout.engine.Connection;
import io.fanout.engine.Engine;
import io.fanout.engine.EventLoop;

/**
 * The {@code GET /stats} JSON the live page draws from, one object, always these fields:
 * <pre>
 * {"server":"fanout","version":"0.2.0","uptime_ms":N,
 *  "clients":{"line":N,"resp":N,"ws":N,"sse":N,"http":N},
 *  "published":N,"deliveries":N,"pending_bytes":N,
 *  "slow_cuts":{"slow-hard":N,"slow-soft":N,"slow-deadline":N,"slow-budget":N},
 *  "dropped_messages":N}
 * </pre>
 * Counters are totals since start (the page derives rates); clients count connections by
 * what they speak now (an upgraded HTTP connection counts as ws or sse, not http).
 *
 * <p>Threads: called on whichever loop serves the request. It reads the same racy per-loop
 * counters as the metrics (a value may be a turn old) and scans the connection registry
 * once: O(connections), for a request a page makes once a second.
 */
public final class StatsReport {
    private final Engine engine;
    private final long startedNanos = System.nanoTime();
    private final String version;

    public StatsReport(Engine engine) {
        this.engine = engine;
        String v = StatsReport.class.getPackage().getImplementationVersion();
        this.version = v == null ? "dev" : v;
    }

    public String json() {
        long line = 0;
        long resp = 0;
        long ws = 0;
        long sse = 0;
        long http = 0;
        for (Connection c : engine.connections()) {
            switch (c.protocolName()) {
                case "line" -> line++;
                case "resp" -> resp++;
                case "ws" -> ws++;
                case "sse" -> sse++;
                case "http" -> http++;
                default -> { }
            }
        }
        long published = 0;
        long deliveries = 0;
        long dropped = 0;
        long[] cuts = new long[4];
        for (EventLoop loop : engine.loops()) {
            published += loop.stats().published;
            deliveries += loop.stats().deliveries;
            dropped += loop.stats().droppedMessages;
            cuts[0] += loop.stats().closed(CloseReason.SLOW_HARD);
            cuts[1] += loop.stats().closed(CloseReason.SLOW_SOFT);
            cuts[2] += loop.stats().closed(CloseReason.SLOW_DEADLINE);
            cuts[3] += loop.stats().closed(CloseReason.SLOW_BUDGET);
        }
        return "{\"server\":\"fanout\",\"version\":\"" + version + "\""
                + ",\"uptime_ms\":" + (System.nanoTime() - startedNanos) / 1_000_000L
                + ",\"clients\":{\"line\":" + line + ",\"resp\":" + resp + ",\"ws\":" + ws + ",\"sse\":" + sse
                + ",\"http\":" + http + "}"
                + ",\"published\":" + published + ",\"deliveries\":" + deliveries
                + ",\"pending_bytes\":" + Math.max(0, engine.totalPendingBytes())
                + ",\"slow_cuts\":{\"slow-hard\":" + cuts[0] + ",\"slow-soft\":" + cuts[1]
                + ",\"slow-deadline\":" + cuts[2] + ",\"slow-budget\":" + cuts[3] + "}"
                + ",\"dropped_messages\":" + dropped + "}";
    }
}
