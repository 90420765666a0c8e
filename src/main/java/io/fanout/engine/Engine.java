package io.fanout.engine;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The loops, the listening sockets and the counters they share.
 *
 * <p>Listening sockets live on loop 0, which accepts and hands each connection to a loop
 * round-robin. Lifecycle: construct, {@link #listen} for each protocol, {@link #start},
 * later {@link #shutdown} (from any thread) and {@link #awaitTermination}.
 */
public final class Engine implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger("fanout.engine");

    private final EngineConfig config;
    private final EventLoop[] loops;
    private final Thread[] threads;
    private final List<ServerSocketChannel> servers = new ArrayList<>();
    private final List<String> protocolNames = new ArrayList<>();
    private final List<String> clientLabels = new ArrayList<>();
    private final AtomicInteger clients = new AtomicInteger();
    /** Every open connection, for admin views (CLIENT LIST/KILL) only: never on the hot path. */
    private final ConcurrentHashMap<Long, Connection> registry = new ConcurrentHashMap<>();
    private final AtomicLong connectionIds = new AtomicLong();
    private final CountDownLatch stoppedLoops;
    private final BudgetEnforcer budget;
    private final InputBudget inputBudget;
    private int nextLoop;
    private volatile boolean shuttingDown;
    /** Why a loop crashed (the first one), or null. */
    private volatile Throwable crashCause;

    /**
     * Global rule across loops (the total backlog budget); may be null. Like a
     * {@link BacklogPolicy} it reads views and decides; the engine closes. Called on each
     * loop's thread at the end of every turn in which that loop holds a backlog.
     */
    public interface BudgetEnforcer {
        /** Whether the total of all loops breaks the budget; every turn, so it must be cheap. */
        boolean isOverBudget(long totalPendingBytes);

        /**
         * Orders this loop's open backlogs so that those to cut come first and returns how
         * many that is (each gets {@link CloseReason#SLOW_BUDGET}); logs their {@code [SLOW]}
         * lines. Called only when {@link #isOverBudget}.
         */
        int pickCuts(List<? extends BacklogView> backlogs, long totalPendingBytes);
    }

    public Engine(EngineConfig config, BacklogPolicy policy, Clock clock, BudgetEnforcer budget) throws IOException {
        this.config = config;
        this.budget = budget;
        this.inputBudget = new InputBudget(config.effectiveMaxInputTotal());
        this.loops = new EventLoop[config.ioThreads()];
        this.threads = new Thread[loops.length];
        for (int i = 0; i < loops.length; i++) {
            loops[i] = new EventLoop(i, this, config, policy, clock);
        }
        this.stoppedLoops = new CountDownLatch(loops.length);
    }

    public EngineConfig config() {
        return config;
    }

    public List<EventLoop> loops() {
        return List.of(loops);
    }

    /**
     * Binds a listener; port 0 picks a free port. Logs {@code [LISTEN]} with the real
     * address and returns it. Call before {@link #start}.
     */
    public InetSocketAddress listen(String host, int port, Protocol protocol) throws IOException {
        ServerSocketChannel server = ServerSocketChannel.open();
        try {
            server.bind(new InetSocketAddress(host, port), 1024);
        } catch (IOException e) {
            server.close();
            throw new IOException("cannot listen for " + protocol.name() + " on " + host + ":" + port + ": "
                    + e.getMessage(), e);
        }
        servers.add(server);
        protocolNames.add(protocol.name());
        for (String label : protocol.connectionLabels()) {
            if (!clientLabels.contains(label)) {
                clientLabels.add(label);
            }
        }
        loops[0].registerListener(server, protocol);
        InetSocketAddress bound = (InetSocketAddress) server.getLocalAddress();
        LOG.info("[LISTEN]    proto={} addr={}", protocol.name(), Addresses.listening(host, bound));
        return bound;
    }

    public void start() {
        for (int i = 0; i < loops.length; i++) {
            threads[i] = new Thread(loops[i], "fanout-loop-" + i);
            threads[i].start();
        }
    }

    /** Names of the protocols listening, in the order {@link #listen} was called. */
    public List<String> protocolNames() {
        return List.copyOf(protocolNames);
    }

    /** Every protocol label a connection can carry (listeners and their upgrades: http, ws, sse). */
    public List<String> clientLabels() {
        return List.copyOf(clientLabels);
    }

    /** Open client connections, all protocols, all loops. */
    public int connectedClients() {
        return clients.get();
    }

    /** Bytes queued in all loops and not yet taken by the kernel (racy snapshot). */
    public long totalPendingBytes() {
        long sum = 0;
        for (EventLoop l : loops) {
            sum += l.pendingBytes();
        }
        return sum;
    }

    InputBudget inputBudget() {
        return inputBudget;
    }

    /** The budget for partial requests of all connections together (--max-input-total). */
    public long maxInputTotalBytes() {
        return inputBudget.maxBytes();
    }

    /** Bytes held now in carry buffers of partial requests, all loops (racy snapshot). */
    public long heldInputBytes() {
        return inputBudget.heldBytes();
    }

    boolean tryReserveClient() {
        while (true) {
            int n = clients.get();
            if (n >= config.maxClients() || shuttingDown) {
                return false;
            }
            if (clients.compareAndSet(n, n + 1)) {
                return true;
            }
        }
    }

    void releaseClient() {
        clients.decrementAndGet();
    }

    void onRegistered(Connection c) {
        registry.put(c.id(), c);
    }

    void onClosed(Connection c) {
        registry.remove(c.id());
        clients.decrementAndGet();
    }

    /**
     * Open connections of every loop, for admin views. Their fields are read racily from the
     * calling thread: good enough for a listing, never for decisions.
     */
    public Collection<Connection> connections() {
        return registry.values();
    }

    /** The open connection with this id, or null. */
    public Connection connection(long id) {
        return registry.get(id);
    }

    /** Open connections speaking {@code protocol} (a scan: for metrics and INFO, not hot paths). */
    public int connectedClients(String protocol) {
        int n = 0;
        for (Connection c : registry.values()) {
            if (c.protocolName().equals(protocol)) {
                n++;
            }
        }
        return n;
    }

    /** Called on loop 0 only (the accepting loop). */
    EventLoop nextLoop() {
        EventLoop l = loops[nextLoop];
        nextLoop = (nextLoop + 1) % loops.length;
        return l;
    }

    long nextConnectionId() {
        return connectionIds.incrementAndGet();
    }

    /** The budget's verdict on this loop's backlogs, carried out: the picked ones are cut. */
    void maybeEnforceBudget(EventLoop loop) {
        if (budget == null || loop.pendingBytes() == 0) {
            return;
        }
        long total = totalPendingBytes();
        if (!budget.isOverBudget(total)) {
            return;
        }
        List<Connection> backlogs = new ArrayList<>(); // only while over budget: rare
        for (Connection c : loop.connections()) {
            if (c.isOpen() && c.pendingBytes() > 0) {
                backlogs.add(c);
            }
        }
        int cuts = budget.pickCuts(backlogs, total);
        for (int i = 0; i < cuts; i++) {
            backlogs.get(i).close(CloseReason.SLOW_BUDGET);
        }
    }

    void onLoopStopped(EventLoop loop) {
        stoppedLoops.countDown();
    }

    /**
     * A loop's thread died of {@code cause}. The server cannot go on with a part of its
     * clients unserved: log, remember the cause and stop every loop; the server then exits
     * non-zero ({@link #crashCause()}). Runs on the dying loop's thread; must not throw.
     */
    void onLoopCrashed(EventLoop loop, Throwable cause) {
        try {
            if (crashCause == null) {
                crashCause = cause;
            }
            LOG.error("[LOOP]      loop={} crashed, stopping the server: {}", loop.index(), cause.toString(), cause);
        } catch (Throwable ignored) {
            // Logging failed too (out of memory): the cause is recorded, shutting down matters more.
        }
        try {
            shutdown();
        } catch (Throwable ignored) {
            // The loops that can still run stop on their own drain deadline or with the process.
        }
    }

    /** Why a loop crashed, or null while none has: the server's exit status depends on it. */
    public Throwable crashCause() {
        return crashCause;
    }

    /**
     * Stops accepting, lets queued output drain for at most the configured time, then closes
     * every connection and stops the loops. Thread-safe; returns at once.
     */
    public void shutdown() {
        if (shuttingDown) {
            return;
        }
        shuttingDown = true;
        for (ServerSocketChannel s : servers) {
            try {
                s.close();
            } catch (IOException ignored) {
                // Stopping anyway.
            }
        }
        long drainNanos = config.drainMillis() * 1_000_000L;
        for (int i = 0; i < loops.length; i++) {
            EventLoop l = loops[i];
            if (threads[i] == null) {
                l.closeNeverStarted(); // a failed start: nothing runs, but the selector is open
            } else {
                l.execute(() -> l.beginDrain(drainNanos));
            }
        }
    }

    public boolean awaitTermination(long timeout, TimeUnit unit) throws InterruptedException {
        return stoppedLoops.await(timeout, unit);
    }

    @Override
    public void close() {
        shutdown();
        try {
            if (!awaitTermination(config.drainMillis() + 5_000, TimeUnit.MILLISECONDS)) {
                LOG.warn("[STOP]      loops did not stop in time");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt(); // the caller's thread is being stopped: keep its flag
        }
    }
}
