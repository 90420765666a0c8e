package io.fanout.protocol.resp;

import java.util.Locale;

import io.fanout.broker.TopicKind;
import io.fanout.engine.CloseReason;
import io.fanout.engine.EventLoop;
import io.fanout.engine.LoopStats;

/**
 * The INFO reply: Redis's {@code # Section} / {@code field:value} text with the sections a
 * pub/sub server has (server, clients, stats), Redis's field names where one exists and
 * {@code fanout_}-prefixed ones for the slow-client policy. Built on demand (not a hot path).
 */
final class InfoReport {
    private InfoReport() {
    }

    /** The {@link CommandHandler} of INFO: the report as a verbatim string (RESP3) or bulk. */
    static void info(RespSession s, CommandSpec spec, RespArgs args, RespWriter out) {
        out.verbatim("txt", render(s.protocol(), args), s.protocolVersion());
    }

    static String render(RespProtocol p, RespArgs args) {
        boolean all = args.count() == 1;
        boolean server = all;
        boolean clients = all;
        boolean stats = all;
        for (int i = 1; i < args.count(); i++) {
            switch (args.string(i).toLowerCase(Locale.ROOT)) {
                case "server" -> server = true;
                case "clients" -> clients = true;
                case "stats" -> stats = true;
                case "all", "everything", "default" -> {
                    server = true;
                    clients = true;
                    stats = true;
                }
                default -> {
                    // Unknown sections are silently empty, as in Redis.
                }
            }
        }
        StringBuilder sb = new StringBuilder();
        if (server) {
            serverSection(sb, p);
        }
        if (clients) {
            clientsSection(sb, p);
        }
        if (stats) {
            statsSection(sb, p, sum(p));
        }
        return sb.toString();
    }

    private static void serverSection(StringBuilder sb, RespProtocol p) {
        section(sb, "Server");
        long uptime = (System.currentTimeMillis() - p.startedMillis) / 1000;
        field(sb, "redis_version", RespProtocol.REDIS_VERSION);
        field(sb, "redis_mode", "standalone");
        field(sb, "fanout_version", version());
        field(sb, "os", System.getProperty("os.name") + " " + System.getProperty("os.version") + " "
                + System.getProperty("os.arch"));
        field(sb, "arch_bits", "64");
        field(sb, "process_id", Long.toString(ProcessHandle.current().pid()));
        field(sb, "tcp_port", Integer.toString(p.facts.tcpPort()));
        field(sb, "uptime_in_seconds", Long.toString(uptime));
        field(sb, "uptime_in_days", Long.toString(uptime / 86400));
        field(sb, "io_threads_active", Integer.toString(p.engine.loops().size()));
    }

    private static void clientsSection(StringBuilder sb, RespProtocol p) {
        section(sb, "Clients");
        field(sb, "connected_clients", Integer.toString(p.engine.connectedClients()));
        field(sb, "fanout_line_clients", Integer.toString(p.engine.connectedClients("line")));
        field(sb, "fanout_resp_clients", Integer.toString(p.engine.connectedClients("resp")));
        field(sb, "maxclients", Integer.toString(p.engine.config().maxClients()));
        field(sb, "client_recent_max_output_buffer", Long.toString(p.facts.maxPendingBytes()));
        field(sb, "fanout_pending_bytes", Long.toString(p.engine.totalPendingBytes()));
        field(sb, "blocked_clients", "0");
    }

    private static void statsSection(StringBuilder sb, RespProtocol p, LoopStats sum) {
        section(sb, "Stats");
        field(sb, "total_connections_received", Long.toString(sum.accepted));
        field(sb, "rejected_connections", Long.toString(sum.rejected));
        field(sb, "total_net_input_bytes", Long.toString(sum.bytesRead));
        field(sb, "total_net_output_bytes", Long.toString(sum.bytesWritten));
        field(sb, "pubsub_channels", Integer.toString(p.broker.topics(TopicKind.CHANNEL, null).size()));
        field(sb, "pubsub_patterns", Integer.toString(p.broker.patternCount()));
        field(sb, "pubsubshard_channels", Integer.toString(p.broker.topics(TopicKind.SHARD, null).size()));
        field(sb, "client_output_buffer_limit_disconnections", Long.toString(p.facts.slowDisconnects()));
        field(sb, "fanout_messages_published", Long.toString(sum.published));
        field(sb, "fanout_deliveries", Long.toString(sum.deliveries));
        field(sb, "fanout_dropped_messages", Long.toString(sum.droppedMessages));
        for (CloseReason r : CloseReason.values()) {
            if (r.isSlowConsumer()) {
                field(sb, "fanout_disconnects_" + r.label().replace('-', '_'),
                        Long.toString(sum.closed(r)));
            }
        }
    }

    /** Sums the loops' racy counters. */
    static LoopStats sum(RespProtocol p) {
        LoopStats total = new LoopStats();
        for (EventLoop loop : p.engine.loops()) {
            LoopStats s = loop.stats();
            total.accepted += s.accepted;
            total.rejected += s.rejected;
            total.bytesRead += s.bytesRead;
            total.bytesWritten += s.bytesWritten;
            total.published += s.published;
            total.deliveries += s.deliveries;
            total.droppedMessages += s.droppedMessages;
            for (int i = 0; i < total.closedByReason.length; i++) {
                total.closedByReason[i] += s.closedByReason[i];
            }
        }
        return total;
    }

    private static String version() {
        String v = InfoReport.class.getPackage().getImplementationVersion();
        return v == null ? "dev" : v;
    }

    private static void section(StringBuilder sb, String name) {
        if (sb.length() > 0) {
            sb.append("\r\n");
        }
        sb.append("# ").append(name).append("\r\n");
    }

    private static void field(StringBuilder sb, String key, String value) {
        sb.append(key).append(':').append(value).append("\r\n");
    }
}
