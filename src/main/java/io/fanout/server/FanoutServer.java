package io.fanout.server;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.fanout.broker.Broker;
import io.fanout.broker.WireForm;
import io.fanout.cluster.ClusterConfig;
import io.fanout.cluster.ClusterLink;
import io.fanout.cluster.ClusterMetrics;
import io.fanout.engine.Clock;
import io.fanout.engine.CloseReason;
import io.fanout.engine.Engine;
import io.fanout.engine.EngineConfig;
import io.fanout.metrics.MetricsServer;
import io.fanout.policy.PendingBudget;
import io.fanout.policy.SlowConsumerPolicy;
import io.fanout.protocol.http.HttpProtocol;
import io.fanout.protocol.http.HttpSettings;
import io.fanout.protocol.http.SseWireForm;
import io.fanout.protocol.line.LineProtocol;
import io.fanout.protocol.line.LineWireForm;
import io.fanout.protocol.resp.RespDecoder;
import io.fanout.protocol.resp.RespProtocol;
import io.fanout.protocol.resp.RespWireForm;
import io.fanout.protocol.ws.WsContext;
import io.fanout.protocol.ws.WsJsonWireForm;
import io.fanout.protocol.ws.WsRawWireForm;

/**
 * A running fanout: engine, broker and the listeners of every protocol, wired from one
 * {@link ServerConfig}. Tests start it in-process on port 0 and read the real addresses.
 */
public final class FanoutServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger("fanout.server");

    private final ServerConfig config;
    private final Engine engine;
    private final Broker broker;
    private InetSocketAddress lineAddress;
    private InetSocketAddress respAddress;
    private InetSocketAddress httpAddress;
    private MetricsServer metrics;
    /** The link to other nodes through Redis, or null on a single node. */
    private ClusterLink cluster;

    private FanoutServer(ServerConfig config, Clock clock) throws IOException {
        this.config = config;
        // Room for the largest request: a RESP command with two maximal bulks and headers.
        int maxInbound = RespDecoder.maxRequestBytes(config.maxMessageBytes());
        ConnectionLimits limits = config.limits();
        EngineConfig ec = new EngineConfig(config.ioThreads(), config.maxClients(),
                maxInbound, 4L << 20, config.socketSendBufferBytes(), 100,
                config.drainMillis(), limits.maxInputTotalBytes(), limits.tcpKeepAliveSeconds());
        SlowConsumerPolicy policy = new SlowConsumerPolicy(config.slow());
        PendingBudget budget = config.slow().maxPendingTotalBytes() > 0
                ? new PendingBudget(config.slow().maxPendingTotalBytes()) : null;
        this.engine = new Engine(ec, policy, clock, budget);
        LOG.info("[LOOPS]     io-threads={} processors={}", config.ioThreads(), Runtime.getRuntime().availableProcessors());
        LineWireForm lineForm = new LineWireForm(0);
        RespWireForm resp2 = new RespWireForm(1, 2);
        RespWireForm resp3 = new RespWireForm(2, 3);
        // Browser forms (issue 10): raw WebSocket frames, fanout.json envelopes, SSE events.
        WsRawWireForm wsRaw = new WsRawWireForm(3);
        WsJsonWireForm wsJson = new WsJsonWireForm(4);
        SseWireForm ssePlain = new SseWireForm(5, false);
        SseWireForm sseJson = new SseWireForm(6, true);
        List<WireForm> forms = List.of(lineForm, resp2, resp3, wsRaw, wsJson, ssePlain, sseJson);
        this.broker = new Broker(engine.loops(), forms, config.subscriptionLimits().topics(),
                config.subscriptionLimits().total());
        try {
            if (config.linePort() >= 0) {
                lineAddress = engine.listen(config.bind(), config.linePort(), new LineProtocol(broker, lineForm,
                        config.lineChannel(), config.maxMessageBytes(), config.requirePass(), limits.timeouts()));
            }
            if (config.respPort() >= 0) {
                RespProtocol resp = new RespProtocol(engine, broker, resp2, resp3, config.requirePass(),
                        config.maxMessageBytes(), config.subscriptionLimits().perClient(), new Facts(), limits.timeouts());
                respAddress = engine.listen(config.bind(), config.respPort(), resp);
            }
            WebConfig web = config.web();
            if (web.httpPort() >= 0) {
                HttpSettings hs = new HttpSettings(config.requirePass(), web.allowedOrigins(),
                        config.maxMessageBytes(), web.pingIntervalNanos(), web.requestTimeoutNanos());
                WsContext ws = new WsContext(broker, wsRaw, wsJson, config.maxMessageBytes(), web.pingIntervalNanos());
                StatsReport stats = new StatsReport(engine);
                httpAddress = engine.listen(config.bind(), web.httpPort(),
                        new HttpProtocol(broker, hs, ws, ssePlain, sseJson, stats::json));
            }
        } catch (IOException e) {
            engine.shutdown();
            throw e;
        }
    }

    /** Figures INFO shows that come from the engine as a whole. */
    private final class Facts implements RespProtocol.ServerFacts {
        @Override
        public int tcpPort() {
            return respAddress == null ? 0 : respAddress.getPort();
        }

        @Override
        public long slowDisconnects() {
            long n = 0;
            for (var loop : engine.loops()) {
                for (CloseReason r : CloseReason.values()) {
                    if (r.isSlowConsumer()) {
                        n += loop.stats().closed(r);
                    }
                }
            }
            return n;
        }

        @Override
        public long maxPendingBytes() {
            long max = 0;
            for (var c : engine.connections()) {
                max = Math.max(max, c.pendingBytes());
            }
            return max;
        }
    }

    /** Binds every configured listener and starts the loops. */
    public static FanoutServer start(ServerConfig config) throws IOException {
        return start(config, null);
    }

    /** As {@link #start(ServerConfig)}, joined to other nodes through Redis when {@code cluster} is set. */
    public static FanoutServer start(ServerConfig config, ClusterConfig clusterConfig) throws IOException {
        FdLimits.check(config.maxClients());
        FanoutServer server = new FanoutServer(config, Clock.SYSTEM);
        if (clusterConfig != null) {
            // Attached before the loops run, so no subscription or publish is missed.
            server.cluster = ClusterLink.start(clusterConfig, server.broker, server.engine.loops());
        }
        server.engine.start();
        if (config.metricsPort() >= 0) {
            try {
                ClusterLink link = server.cluster;
                server.metrics = MetricsServer.start(config.bind(), config.metricsPort(), server.engine, server.broker,
                        registry -> {
                            if (link != null) {
                                ClusterMetrics.register(registry, link);
                            }
                        });
            } catch (IOException e) {
                server.close();
                throw e;
            }
        }
        if (config.requirePass() == null && !isLoopback(config.bind())) {
            LOG.warn("[SECURITY]  bound to {} without --requirepass: anyone who can reach it can publish",
                    config.bind());
        }
        return server;
    }

    /**
     * Binds the listeners on {@code clock} without starting the loops or metrics: a test then
     * drives loop 0 turn by turn ({@code EventLoop.runTurn}) and moves the clock by hand.
     */
    static FanoutServer bindForTest(ServerConfig config, Clock clock) throws IOException {
        return new FanoutServer(config, clock);
    }

    private static boolean isLoopback(String host) {
        return host.equals("127.0.0.1") || host.equals("::1") || host.equals("localhost");
    }

    public ServerConfig config() {
        return config;
    }

    public Engine engine() {
        return engine;
    }

    public Broker broker() {
        return broker;
    }

    public InetSocketAddress lineAddress() {
        return lineAddress;
    }

    public InetSocketAddress respAddress() {
        return respAddress;
    }

    /** The cluster link, or null when {@code --cluster} is not set. */
    public ClusterLink cluster() {
        return cluster;
    }

    /** The HTTP (browser) listener's address, or null when it is off. */
    public InetSocketAddress httpAddress() {
        return httpAddress;
    }

    /** The metrics listener's address, or null when it is off. */
    public InetSocketAddress metricsAddress() {
        return metrics == null ? null : metrics.address();
    }

    /** Stops accepting, drains briefly, closes everything; waits for the loops to end. */
    @Override
    public void close() {
        LOG.info("[STOP]      draining queued output for at most {}ms, then closing", config.drainMillis());
        if (metrics != null) {
            metrics.close();
        }
        engine.shutdown();
        try {
            engine.awaitTermination(config.drainMillis() + 5_000, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (cluster != null) {
            cluster.close();
        }
    }

    public boolean awaitTermination(long timeout, TimeUnit unit) throws InterruptedException {
        return engine.awaitTermination(timeout, unit);
    }
}
