package io.fanout.engine;

import java.io.IOException;

/**
 * Socket-free connections for the JMH fan-out benchmarks: real {@link Connection}s on a
 * real (never started) loop, whose queues the benchmark drains into a null channel.
 */
public final class JmhConnections {
    private JmhConnections() {
    }

    /** An engine with one loop that is never started (the benchmark thread plays the loop). */
    public static Engine engine() throws IOException {
        return new Engine(new EngineConfig(1, 100_000, 1 << 22, 4L << 20, 0, 100, 0), BacklogPolicy.UNLIMITED,
                System::nanoTime, null);
    }

    public static Connection connection(EventLoop loop, long id, Protocol protocol) {
        return new Connection(id, loop, null, protocol, "bench", "bench", 0);
    }
}
