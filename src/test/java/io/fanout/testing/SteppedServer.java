package io.fanout.testing;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

import io.fanout.broker.Broker;
import io.fanout.broker.WireForm;
import io.fanout.engine.Clock;
import io.fanout.engine.Connection;
import io.fanout.engine.Engine;
import io.fanout.engine.EngineConfig;
import io.fanout.engine.EventLoop;
import io.fanout.policy.PendingBudget;
import io.fanout.policy.SlowConsumerPolicy;
import io.fanout.policy.SlowPolicySettings;
import io.fanout.protocol.line.LineProtocol;
import io.fanout.protocol.line.LineWireForm;

/**
 * A one-loop line server whose loop the test drives turn by turn on a manual clock (Agrona's
 * AgentInvoker): time rules are checked by moving the clock, never by sleeping. Sockets are
 * real; only time is in the test's hands. No thread is started, so nothing runs between
 * {@link #turn} calls.
 */
public final class SteppedServer implements AutoCloseable {
    /** Where the manual clock starts: far from 0, which some fields use as "unset". */
    private static final long START_NANOS = 1_000_000_000_000L;

    private final AtomicLong nowNanos = new AtomicLong(START_NANOS);
    private final Engine engine;
    private final EventLoop loop;
    private final InetSocketAddress lineAddress;

    public SteppedServer(SlowPolicySettings slow, int socketSendBufferBytes) throws IOException {
        EngineConfig config = new EngineConfig(1, 100, 1 << 20, 4L << 20, socketSendBufferBytes, 100, 2_000);
        Clock clock = nowNanos::get;
        PendingBudget budget = slow.maxPendingTotalBytes() > 0 ? new PendingBudget(slow.maxPendingTotalBytes()) : null;
        engine = new Engine(config, new SlowConsumerPolicy(slow), clock, budget);
        LineWireForm form = new LineWireForm(0);
        Broker broker = new Broker(engine.loops(), List.<WireForm>of(form));
        lineAddress = engine.listen("127.0.0.1", 0, new LineProtocol(broker, form, "broadcast", 1 << 16, null));
        loop = engine.loops().get(0);
    }

    public InetSocketAddress lineAddress() {
        return lineAddress;
    }

    public Engine engine() {
        return engine;
    }

    public EventLoop loop() {
        return loop;
    }

    /** One loop turn at the current manual time. */
    public void turn() {
        try {
            loop.runTurn();
        } catch (IOException e) {
            throw new AssertionError("loop turn failed", e);
        }
    }

    /** Moves the manual clock; the next turn sees the new time. */
    public void advance(Duration d) {
        nowNanos.addAndGet(d.toNanos());
    }

    /**
     * Turns the loop (without moving the clock) until the condition holds; the real-time
     * bound only catches a condition that never comes (the kernel moves bytes meanwhile).
     */
    public void turnUntil(BooleanSupplier condition, Supplier<String> what) {
        long deadline = System.nanoTime() + Await.DEFAULT.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("timed out turning the loop until: " + what.get());
            }
            turn();
        }
    }

    /** The loop's connection with this 1-based accept order, once registered. */
    public Connection connection(int acceptOrder) {
        turnUntil(() -> engine.connectedClients() >= acceptOrder, () -> "client " + acceptOrder + " registered");
        int i = 0;
        for (Connection c : loop.connections()) {
            if (++i == acceptOrder) {
                return c;
            }
        }
        throw new AssertionError("no connection number " + acceptOrder);
    }

    /** Closes every connection and the selector; the loop was never started, so this is immediate. */
    @Override
    public void close() {
        engine.close();
    }
}
