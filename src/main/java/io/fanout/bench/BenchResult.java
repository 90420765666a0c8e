package io.fanout.bench;

import java.util.Locale;

/**
 * What one run measured, filled in by {@link BenchRun} once every thread has ended, then
 * only read: printed as a human summary or as one JSON object.
 *
 * <p>Definitions. The measured window is {@code [start+warmup, start+warmup+duration)}; a
 * message belongs to it by the time it carries. Deliveries count measured messages received
 * by healthy subscribers (by the end of the drain). Lost counts gaps in a publisher's
 * sequence as seen by a healthy subscriber (a late arrival that fills a gap is moved to
 * reordered); missing-at-end counts what a healthy, uncut subscriber had not received when
 * the drain deadline passed. Cut times are milliseconds after publishing started.
 *
 * <p>The bench reports on itself too: CPU of its subscriber and publisher threads and how
 * much of the window the subscriber loop was busy (not blocked in select). Busy near 100%
 * means the tool, or the core it waited for, was the limit, not the server.
 */
public final class BenchResult {
    BenchConfig config;
    String server = "unknown";

    double measuredSeconds;
    long published;
    long publishedTotal;
    long deliveries;
    long latencyCount;
    double p50Micros;
    double p99Micros;
    double p999Micros;
    double maxMicros;
    double meanMicros;

    long lost;
    long missingAtEnd;
    long reordered;
    long duplicated;
    long foreign;

    long[] healthyCutMillis = new long[0];
    String healthyCutReason;
    long[] stalledCutMillis = new long[0];
    String stalledCutSource = "none";
    int stalledNotCut;

    boolean drainComplete;
    long drainMillis;
    long lagAtEnd = -1;
    long lagWaits;
    long lagBlockedMillis;
    long publisherErrors;
    String firstPublisherError;
    int publishersClosed;
    String publisherCloseReason;
    double latenessP50Micros = -1;
    double latenessP99Micros = -1;
    String warning;
    double publisherCpuPercent = -1;
    double subscriberCpuPercent = -1;
    double subscriberBusyPercent = -1;

    public long deliveries() {
        return deliveries;
    }

    public long published() {
        return published;
    }

    public long lost() {
        return lost;
    }

    public long missingAtEnd() {
        return missingAtEnd;
    }

    public long reordered() {
        return reordered;
    }

    public long duplicated() {
        return duplicated;
    }

    public int healthyCut() {
        return healthyCutMillis.length;
    }

    public int stalledCut() {
        return stalledCutMillis.length;
    }

    public double deliveriesPerSecond() {
        return measuredSeconds > 0 ? deliveries / measuredSeconds : 0;
    }

    public double publishedPerSecond() {
        return measuredSeconds > 0 ? published / measuredSeconds : 0;
    }

    /** Payload bytes delivered per second, in 10^6 bytes. */
    public double megabytesPerSecond() {
        return deliveriesPerSecond() * config.payloadBytes() / 1e6;
    }

    public double p50Micros() {
        return p50Micros;
    }

    public double p99Micros() {
        return p99Micros;
    }

    public String toJson() {
        JsonWriter j = new JsonWriter().begin();
        j.field("server", server)
                .field("target", config.host() + ":" + config.port())
                .field("proto", config.proto().label())
                .field("mode", config.mode().label())
                .field("subscribers", config.subscribers())
                .field("stalled", config.stalled())
                .field("publishers", config.publishers())
                .field("payload_bytes", config.payloadBytes())
                .field("duration_s", measuredSeconds)
                .field("warmup_s", config.warmupNanos() / 1e9)
                .field("window", config.window())
                .field("max_lag", config.maxLag())
                .field("rate", config.ratePerSecond())
                .field("published", published)
                .field("published_total", publishedTotal)
                .field("publish_rate", publishedPerSecond())
                .field("deliveries", deliveries)
                .field("deliveries_per_s", deliveriesPerSecond())
                .field("mb_per_s", megabytesPerSecond());
        j.object("latency_us")
                .field("count", latencyCount)
                .field("p50", p50Micros)
                .field("p99", p99Micros)
                .field("p99_9", p999Micros)
                .field("max", maxMicros)
                .field("mean", meanMicros)
                .end();
        j.field("lost", lost)
                .field("missing_at_end", missingAtEnd)
                .field("reordered", reordered)
                .field("duplicated", duplicated)
                .field("foreign", foreign)
                .field("subscribers_cut", healthyCutMillis.length)
                .field("subscribers_cut_at_ms", healthyCutMillis)
                .field("subscribers_cut_reason", healthyCutReason)
                .field("stalled_cut", stalledCutMillis.length)
                .field("stalled_cut_at_ms", stalledCutMillis)
                .field("stalled_cut_source", stalledCutSource)
                .field("stalled_not_cut", stalledNotCut)
                .field("drain_complete", drainComplete)
                .field("drain_ms", drainMillis)
                .field("lag_at_end", lagAtEnd)
                .field("lag_waits", lagWaits)
                .field("lag_blocked_ms", lagBlockedMillis)
                .field("publisher_errors", publisherErrors)
                .field("publisher_first_error", firstPublisherError)
                .field("publishers_closed", publishersClosed)
                .field("send_lateness_p50_us", latenessP50Micros)
                .field("send_lateness_p99_us", latenessP99Micros)
                .field("bench_cpu_publisher_pct", publisherCpuPercent)
                .field("bench_cpu_subscribers_pct", subscriberCpuPercent)
                .field("bench_busy_subscribers_pct", subscriberBusyPercent)
                .field("warning", warning);
        return j.end().toString();
    }

    public String toHuman() {
        StringBuilder sb = new StringBuilder();
        BenchConfig c = config;
        line(sb, "server", "%s at %s:%d (%s)", server, c.host(), c.port(), c.proto().label());
        line(sb, "load", "%d subscribers (+%d stalled), %d publisher%s, %d B payload, %s",
                c.subscribers(), c.stalled(), c.publishers(), c.publishers() == 1 ? "" : "s", c.payloadBytes(),
                loadModel());
        line(sb, "published", "%,.0f msg/s  (%,d in %.2f s; %,d incl. warm-up)", publishedPerSecond(), published,
                measuredSeconds, publishedTotal);
        line(sb, "delivered", "%,.0f msg/s  %,.1f MB/s  (%,d deliveries)", deliveriesPerSecond(),
                megabytesPerSecond(), deliveries);
        if (latencyCount > 0) {
            line(sb, "latency", "p50 %,.0f us  p99 %,.0f us  p99.9 %,.0f us  max %,.0f us  (mean %,.1f us)",
                    p50Micros, p99Micros, p999Micros, maxMicros, meanMicros);
        } else {
            line(sb, "latency", "no message measured");
        }
        line(sb, "integrity", "lost %,d  reordered %,d  duplicated %,d  missing at end %,d%s", lost, reordered,
                duplicated, missingAtEnd, foreign > 0 ? String.format(Locale.ROOT, "  foreign %,d", foreign) : "");
        line(sb, "cut", "%d of %d healthy subscribers%s", healthyCutMillis.length, c.subscribers(),
                cutTimes(healthyCutMillis, healthyCutReason));
        if (c.stalled() > 0) {
            line(sb, "stalled", "%d of %d cut%s; %s", stalledCutMillis.length, c.stalled(),
                    cutTimes(stalledCutMillis, null), stalledCutSource);
        }
        line(sb, "drain", "%s in %d ms%s", drainComplete ? "complete" : "INCOMPLETE", drainMillis,
                lagAtEnd >= 0 ? String.format(Locale.ROOT, "; slowest subscriber %,d messages behind when publishing stopped", lagAtEnd) : "");
        if (lagWaits > 0) {
            line(sb, "lag cap", "publishing paused %,d times, %,d ms in all (--max-lag %,d)", lagWaits,
                    lagBlockedMillis, c.maxLag());
        }
        if (latenessP50Micros >= 0) {
            line(sb, "send late", "p50 %,.0f us  p99 %,.0f us behind schedule (open loop)", latenessP50Micros,
                    latenessP99Micros);
        }
        if (publisherErrors > 0 || publishersClosed > 0) {
            line(sb, "publishers", "%,d error replies (first: %s), %d closed (%s)", publisherErrors,
                    firstPublisherError, publishersClosed, publisherCloseReason);
        }
        if (subscriberCpuPercent >= 0) {
            line(sb, "bench cpu", "subscriber thread%s %.0f%% cpu, busy %.0f%% of the window; publisher thread %.0f%% cpu",
                    c.subscriberThreads() == 1 ? "" : "s", subscriberCpuPercent, subscriberBusyPercent,
                    publisherCpuPercent);
        }
        if (warning != null) {
            line(sb, "warning", "%s", warning);
        }
        return sb.toString();
    }

    private String loadModel() {
        BenchConfig c = config;
        if (c.mode() == BenchConfig.Mode.OPEN) {
            return String.format(Locale.ROOT, "open loop at %,d msg/s", c.ratePerSecond());
        }
        String window = c.proto() == BenchConfig.Proto.RESP ? "window " + c.window() + ", " : "";
        return "closed loop (" + window + (c.maxLag() > 0 ? "max lag " + c.maxLag() : "no lag cap") + ")";
    }

    private static String cutTimes(long[] millis, String reason) {
        if (millis.length == 0) {
            return "";
        }
        return String.format(Locale.ROOT, ", first at %,d ms, last at %,d ms%s", millis[0], millis[millis.length - 1],
                reason == null ? "" : " (" + reason + ")");
    }

    private static void line(StringBuilder sb, String label, String format, Object... args) {
        sb.append(String.format(Locale.ROOT, "%-11s", label)).append(String.format(Locale.ROOT, format, args))
                .append('\n');
    }
}
