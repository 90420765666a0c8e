package io.fanout.protocol.resp;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicLong;

import io.fanout.broker.Broker;
import io.fanout.engine.ClientTimeouts;
import io.fanout.engine.Connection;
import io.fanout.engine.ConnectionHandler;
import io.fanout.engine.Engine;
import io.fanout.engine.Protocol;

/**
 * The Redis-protocol listener: makes a {@link RespSession} per connection and holds what
 * all sessions share (broker, the two message wire forms, the password, one reply writer
 * per loop). Immutable apart from the per-loop writers, each touched only by its loop.
 */
public final class RespProtocol implements Protocol {
    static final String REDIS_VERSION = "7.0.15";
    private static final byte[] MAX_CLIENTS =
            "-ERR max number of clients reached\r\n".getBytes(StandardCharsets.US_ASCII);

    final Broker broker;
    final Engine engine;
    final RespWireForm resp2;
    final RespWireForm resp3;
    final byte[] password;
    final int maxMessageBytes;
    /** {@link RespDecoder#maxRequestBytes}: the same figure the engine's input buffer is sized by. */
    final int maxRequestBytes;
    /** --max-subscriptions-per-client: channels, patterns and shard channels together. */
    final int maxSubscriptionsPerClient;
    final byte[] maxSubscriptionsPerClientError;
    final long startedMillis = System.currentTimeMillis();
    final ServerFacts facts;
    /** One MULTI's queued commands at most: room for at least one maximal PUBLISH. */
    final long maxTransactionBytes;
    /** All MULTI queues of the process together (a flood of MULTIs cannot fill the heap). */
    final long maxAllTransactionsBytes;
    /** What all MULTI queues hold now; changed by every loop. */
    final AtomicLong transactionBytes = new AtomicLong();
    final ClientTimeouts timeouts;
    private final RespWriter[] writerByLoop;

    /** Figures INFO reports that the protocol layer does not own. */
    public interface ServerFacts {
        int tcpPort();

        long slowDisconnects();

        long maxPendingBytes();
    }

    public RespProtocol(Engine engine, Broker broker, RespWireForm resp2, RespWireForm resp3, String password,
                        int maxMessageBytes, ServerFacts facts) {
        this(engine, broker, resp2, resp3, password, maxMessageBytes, Integer.MAX_VALUE, facts, ClientTimeouts.NONE);
    }

    public RespProtocol(Engine engine, Broker broker, RespWireForm resp2, RespWireForm resp3, String password,
                        int maxMessageBytes, int maxSubscriptionsPerClient, ServerFacts facts) {
        this(engine, broker, resp2, resp3, password, maxMessageBytes, maxSubscriptionsPerClient, facts,
                ClientTimeouts.NONE);
    }

    /**
     * @param maxSubscriptionsPerClient --max-subscriptions-per-client
     * @param timeouts                  --auth-timeout (with a password) and --timeout for idle clients
     */
    public RespProtocol(Engine engine, Broker broker, RespWireForm resp2, RespWireForm resp3, String password,
                        int maxMessageBytes, int maxSubscriptionsPerClient, ServerFacts facts,
                        ClientTimeouts timeouts) {
        this.timeouts = timeouts;
        this.maxSubscriptionsPerClient = maxSubscriptionsPerClient;
        this.maxSubscriptionsPerClientError = ("ERR max subscriptions per client reached ("
                + maxSubscriptionsPerClient + ")").getBytes(StandardCharsets.US_ASCII);
        this.engine = engine;
        this.broker = broker;
        this.resp2 = resp2;
        this.resp3 = resp3;
        this.password = password == null ? null : password.getBytes(StandardCharsets.UTF_8);
        this.maxMessageBytes = maxMessageBytes;
        this.maxRequestBytes = RespDecoder.maxRequestBytes(maxMessageBytes);
        this.facts = facts;
        this.maxTransactionBytes = Math.max(8L << 20, Math.min(Integer.MAX_VALUE - 8, 2L * maxMessageBytes + 65_536));
        this.maxAllTransactionsBytes = Math.max(64L << 20, 2 * maxTransactionBytes);
        this.writerByLoop = new RespWriter[engine.loops().size()];
        for (int i = 0; i < writerByLoop.length; i++) {
            writerByLoop[i] = new RespWriter(4096);
        }
    }

    @Override
    public String name() {
        return "resp";
    }

    @Override
    public ConnectionHandler open(Connection connection) {
        return new RespSession(this, connection);
    }

    @Override
    public byte[] maxClientsReply() {
        return MAX_CLIENTS;
    }

    /** The reply writer of the calling loop; loop thread only. */
    RespWriter writer(Connection c) {
        return writerByLoop[c.loop().index()];
    }
}
