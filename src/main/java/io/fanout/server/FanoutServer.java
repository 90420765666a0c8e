package io.fanout.server;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.fanout.broker.Broker;
import io.fanout.broker.WireForm;
import io.fanout.engine.Clock;
import io.fanout.engine.Engine;
import io.fanout.engine.EngineConfig;
import io.fanout.policy.PendingBudget;
import io.fanout.policy.SlowConsumerPolicy;
import io.fanout.protocol.line.LineProtocol;
import io.fanout.protocol.line.LineWireForm;

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

    private FanoutServer(ServerConfig config) throws IOException {
        this.config = config;
        EngineConfig ec = new EngineConfig(config.ioThreads(), config.maxClients(),
                config.maxMessageBytes() + 64 * 1024, 4L << 20, config.socketSendBufferBytes(), 100,
                config.drainMillis());
        SlowConsumerPolicy policy = new SlowConsumerPolicy(config.slow());
        PendingBudget budget = config.slow().maxPendingTotalBytes() > 0
                ? new PendingBudget(config.slow().maxPendingTotalBytes()) : null;
        this.engine = new Engine(ec, policy, Clock.SYSTEM, budget);
        LineWireForm lineForm = new LineWireForm(0);
        List<WireForm> forms = List.of(lineForm);
        this.broker = new Broker(engine.loops(), forms);
        try {
            if (config.linePort() >= 0) {
                lineAddress = engine.listen(config.bind(), config.linePort(), new LineProtocol(broker, lineForm,
                        config.lineChannel(), config.maxMessageBytes(), config.requirePass()));
            }
        } catch (IOException e) {
            engine.shutdown();
            throw e;
        }
    }

    /** Binds every configured listener and starts the loops. */
    public static FanoutServer start(ServerConfig config) throws IOException {
        FanoutServer server = new FanoutServer(config);
        server.engine.start();
        if (config.requirePass() == null && !isLoopback(config.bind())) {
            LOG.warn("[SECURITY]  bound to {} without --requirepass: anyone who can reach it can publish",
                    config.bind());
        }
        return server;
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

    /** Stops accepting, drains briefly, closes everything; waits for the loops to end. */
    @Override
    public void close() {
        engine.shutdown();
        try {
            engine.awaitTermination(config.drainMillis() + 5_000, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    public boolean awaitTermination(long timeout, TimeUnit unit) throws InterruptedException {
        return engine.awaitTermination(timeout, unit);
    }
}
