package io.fanout.engine;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.CancelledKeyException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One event loop: a thread with its own {@link Selector}, the connections it owns, and an
 * inbox through which other threads hand it work (a new connection, a message published on
 * another loop, a kill request).
 *
 * <p>One turn, in order (see {@link #runTurn}):
 * <ol>
 *   <li>run the inbox (bounded batch) — registrations and cross-loop messages;</li>
 *   <li>select, without blocking when there is work already, and handle the ready keys in
 *       the order the kernel reported them: accept, read and decode, write leftovers;</li>
 *   <li>flush every dirty connection once: one gathering write each;</li>
 *   <li>on a timer tick, judge connections that still have a backlog;</li>
 *   <li>reap connections marked for closing.</li>
 * </ol>
 *
 * <p>The loop's parts, each in a class of its own: {@link FanOutSink} (the engine's side of
 * every enqueue, the broker's door), {@link BacklogJudge} (the policy's verdicts after a write
 * and on ticks), {@link ReadPauses} (the producer stall), {@link Reaper} (mark, then reap),
 * {@link Acceptor}, {@link LingeringNotices} and {@link InboundBuffers} (decoding through the
 * carry buffer). The loop keeps the turn, the selector, the dirty list and the writes.
 *
 * <p>Threads: everything here runs on the loop's own thread, except {@link #execute} and
 * the read-only snapshot getters. Interest ops are compared with the key's before they are
 * set, so unchanged ones are never rewritten; OP_WRITE is set only while a queue holds bytes
 * the kernel refused.
 */
public final class EventLoop implements Runnable {
    private static final Logger LOG = LoggerFactory.getLogger("fanout.engine");
    /**
     * One read takes a publisher's whole pipelined window of 64 PUBLISHes of 1 KiB (67.5 KB):
     * with 64 KiB the window took two reads and a copy of the split command into the carry
     * buffer every turn (docs/BENCHMARKS.md, 2026-12-01, issue 12, second session).
     */
    private static final int READ_BUFFER_BYTES = 128 * 1024;
    /**
     * 256 KiB of one connection's input per turn at most, as before the buffer grew: that
     * bounds how much a pipelining client's own echo (a WebSocket or line publisher hears
     * itself) can add to its backlog in one turn, and how long it holds the loop.
     */
    private static final int MAX_READS_PER_TURN = 2;
    private static final int MAX_TASKS_PER_TURN = 4096;
    /** How often every connection's handler gets {@link ConnectionHandler#onHousekeeping}. */
    public static final long HOUSEKEEPING_INTERVAL_NANOS = 1_000_000_000L;

    private final int index;
    private final Engine engine;
    private final EngineConfig config;
    private final Clock clock;
    private final Selector nioSelector;
    private final FramePool framePool;
    private final LoopStats stats = new LoopStats();
    private final Acceptor acceptor;
    private final InputBudget inputBudget;
    private final FanOutSink fanOut;
    private final ByteBuffer readBuffer = ByteBuffer.allocateDirect(READ_BUFFER_BYTES);
    private final ByteBuffer[] gatherScratch = new ByteBuffer[WriteQueue.MAX_GATHER];
    private final Queue<Runnable> inbox = new ConcurrentLinkedQueue<>();
    private Runnable turnHook = () -> { };
    /** Made once: a method reference per select would allocate. */
    private final Consumer<SelectionKey> onReadyKey = this::handleReadyKey;
    /** False until the first ready key of this turn has read the clock. */
    private boolean timeReadAfterSelect;
    /** True while the loop is (about to be) blocked in select; posters then wake it once. */
    private final AtomicBoolean sleeping = new AtomicBoolean();
    private final Map<Long, Connection> connections = new LinkedHashMap<>();
    /** Cut slow consumers whose notice is still being written. */
    private final LingeringNotices lingering = new LingeringNotices();
    private final ReadPauses pauses;
    private final BacklogJudge judge;
    private final Reaper reaper;
    private Connection[] dirty = new Connection[64];
    private int dirtyCount;
    private final boolean traceEnabled;
    private long nowNanos;
    private long nextHousekeepingNanos;
    /** The loop's backlog: the sum of its connections' {@link WriteQueue#pendingBytes}. */
    long pendingBytes;
    private volatile boolean stopped;
    private boolean draining;
    private long drainDeadlineNanos;

    EventLoop(int index, Engine engine, EngineConfig config, BacklogPolicy policy, Clock clock) throws IOException {
        this.index = index;
        this.engine = engine;
        this.config = config;
        this.clock = clock;
        this.nioSelector = Selector.open();
        this.framePool = new FramePool(48L << 20);
        this.traceEnabled = LOG.isTraceEnabled();
        this.nowNanos = clock.nanoTime();
        this.nextHousekeepingNanos = nowNanos + HOUSEKEEPING_INTERVAL_NANOS;
        this.acceptor = new Acceptor(this, engine, stats);
        this.inputBudget = engine.inputBudget();
        this.pauses = new ReadPauses(this, policy);
        this.judge = new BacklogJudge(this, policy, stats, config.tickMillis() * 1_000_000L);
        this.reaper = new Reaper(this, engine, stats, connections, lingering, gatherScratch, config.maxWriteBytesPerTurn());
        this.fanOut = new FanOutSink(this, stats, pauses, traceEnabled);
    }

    public int index() {
        return index;
    }

    public FramePool framePool() {
        return framePool;
    }

    /** The time read at the start of the current turn's work (loop thread). */
    public long nowNanos() {
        return nowNanos;
    }

    /** Where the broker queues a fan-out, and every enqueue is counted (loop thread). */
    /**
     * Sets what runs after each turn's reads, before its writes (and once more before the
     * loop may sleep): the broker hands the turn's messages for other loops over there, one
     * batch per loop per turn. Set before the loop starts; loop thread only afterwards.
     */
    public void setTurnHook(Runnable hook) {
        this.turnHook = hook;
    }

    public FanOutSink fanOut() {
        return fanOut;
    }

    public LoopStats stats() {
        return stats;
    }

    /** Bytes queued on this loop's connections and not yet taken by the kernel (racy read). */
    public long pendingBytes() {
        return pendingBytes;
    }

    /** Connections owned by this loop; loop thread only. */
    public Iterable<Connection> connections() {
        return connections.values();
    }

    /**
     * Hands a task to this loop. Thread-safe. The selector is woken only if the loop is
     * asleep and nobody has woken it yet, so a burst of posts costs one wakeup.
     */
    public void execute(Runnable task) {
        inbox.offer(task);
        if (sleeping.compareAndSet(true, false)) {
            nioSelector.wakeup();
        }
    }

    /**
     * Runs turns until stopped. Anything that escapes a turn (an Error such as
     * OutOfMemoryError, or a bug outside the per-connection try/catch) ends the loop: its
     * connections could no longer be served, so the engine is told and stops the whole
     * server, which exits non-zero — never a live process serving nothing.
     */
    @Override
    public void run() {
        try {
            while (!stopped) {
                runTurn();
            }
        } catch (Throwable t) {
            engine.onLoopCrashed(this, t);
        } finally {
            closeEverything();
        }
    }

    /** One turn of the loop; public so tests can drive a loop step by step. */
    public void runTurn() throws IOException {
        long turnStart = clock.nanoTime();
        nowNanos = turnStart;
        runInbox();
        long inboxNanos = clock.nanoTime() - turnStart;
        timeReadAfterSelect = false;
        select(); // handles the ready keys too, in the kernel's order
        if (!timeReadAfterSelect) {
            nowNanos = clock.nanoTime();
        }
        turnHook.run(); // other loops get this turn's messages now, and fan out while we write
        flushDirty();
        engine.maybeEnforceBudget(this);
        maybeTick();
        maybeHousekeep();
        acceptor.maybeResume(nowNanos);
        reaper.reapAll(nowNanos, draining);
        if (draining) {
            maybeFinishDrain();
        }
        turnHook.run(); // anything published after the reads (none today) is not left for a sleep
        // A turn is the work between selects: the inbox before it and everything after it.
        stats.countTurn(clock.nanoTime() - nowNanos + inboxNanos);
    }

    private void runInbox() {
        for (int i = 0; i < MAX_TASKS_PER_TURN; i++) {
            Runnable task = inbox.poll();
            if (task == null) {
                return;
            }
            try {
                task.run();
            } catch (RuntimeException e) {
                LOG.error("[LOOP] loop={} task failed", index, e);
            }
        }
    }

    /**
     * Selects and handles every ready key in the order epoll reported it, through
     * {@link #onReadyKey}: the selected-key set (a HashSet) would lose that order, and with it
     * Redis's guarantee that what arrived first on any connection is served first (an
     * UNSUBSCRIBE sent before a PUBLISH on another connection runs before it).
     */
    private void select() throws IOException {
        if (dirtyCount > 0 || !reaper.isEmpty() || !inbox.isEmpty()) {
            nioSelector.selectNow(onReadyKey);
            return;
        }
        long timeoutMillis = Math.max(1, (nextWakeNanos() - clock.nanoTime()) / 1_000_000L);
        sleeping.set(true);
        try {
            if (inbox.isEmpty()) {
                nioSelector.select(onReadyKey, timeoutMillis);
            } else {
                nioSelector.selectNow(onReadyKey);
            }
        } finally {
            sleeping.set(false);
        }
    }

    private long nextWakeNanos() {
        long next = Math.min(nextHousekeepingNanos, acceptor.resumeAtNanos());
        if (judge.hasBacklogs() || draining) {
            next = Math.min(next, judge.nextTickNanos());
        }
        if (!pauses.isEmpty()) {
            next = Math.min(next, clock.nanoTime() + 1_000_000L);
        }
        return next;
    }

    /** One ready key, called by the selector during {@link #select}; the turn's time is read first. */
    private void handleReadyKey(SelectionKey key) {
        if (!timeReadAfterSelect) {
            nowNanos = clock.nanoTime();
            timeReadAfterSelect = true;
        }
        Object attachment = key.attachment();
        if (attachment instanceof Connection c) {
            handleConnectionKey(key, c);
        } else if (attachment instanceof Acceptor.Listener l) {
            acceptor.acceptAll(l);
        }
    }

    private void handleConnectionKey(SelectionKey key, Connection c) {
        if (c.state != Connection.State.OPEN) {
            if (c.lingerUntilNanos != 0) {
                stats.bytesWritten += lingering.onWritable(c, gatherScratch, config.maxWriteBytesPerTurn(), nowNanos);
            }
            return;
        }
        try {
            int ready = key.readyOps();
            if ((ready & SelectionKey.OP_WRITE) != 0) {
                flushOne(c);
            }
            if ((ready & SelectionKey.OP_READ) != 0 && c.state == Connection.State.OPEN) {
                onReadable(c);
            }
        } catch (IOException | CancelledKeyException e) {
            markClosing(c, CloseReason.IO_ERROR, false);
        } catch (RuntimeException e) {
            LOG.warn("[ERROR]     conn={} unexpected failure, closing", c.id(), e);
            markClosing(c, CloseReason.INTERNAL_ERROR, false);
        }
    }

    /**
     * Reads and decodes; when a read fills the whole buffer, more is probably waiting (a
     * pipelined window larger than the buffer), so read again, at most {@link #MAX_READS_PER_TURN}
     * times: a publisher's burst is handled in one turn, and one connection still cannot
     * monopolise the loop.
     */
    private void onReadable(Connection c) throws IOException {
        for (int reads = 0; reads < MAX_READS_PER_TURN && c.state == Connection.State.OPEN
                && c.readPausedUntilNanos == 0; reads++) {
            ByteBuffer rb = readBuffer;
            rb.clear();
            int n = c.channel().read(rb);
            if (n < 0) {
                // End of stream: the peer will send no more. Give queued output one last try.
                markClosing(c, CloseReason.CLIENT_CLOSED, true);
                return;
            }
            if (n == 0) {
                return;
            }
            c.bytesRead += n;
            stats.bytesRead += n;
            rb.flip();
            pauses.startReading(c);
            try {
                InboundBuffers.decode(this, c, rb, config.maxInboundBytes(), inputBudget);
            } finally {
                pauses.stopReading();
            }
            pauses.maybePauseReader(c, nowNanos);
            if (n < READ_BUFFER_BYTES) {
                return;
            }
        }
    }

    /** Adds {@code c} to the connections flushed once at the end of this turn. */
    void markDirty(Connection c) {
        if (!c.dirty) {
            c.dirty = true;
            if (dirtyCount == dirty.length) {
                dirty = java.util.Arrays.copyOf(dirty, dirtyCount * 2);
            }
            dirty[dirtyCount++] = c;
        }
    }

    private void flushDirty() {
        // Newest first, as Redis does: the publisher whose commands were read last usually
        // became dirty last (its replies follow the deliveries they caused), and answering it
        // before the long fan-out lets it send its next batch while we write to subscribers.
        // Index loop, not an iterator: nothing is enqueued while flushing.
        for (int i = dirtyCount - 1; i >= 0; i--) {
            Connection c = dirty[i];
            dirty[i] = null;
            c.dirty = false;
            if (c.state == Connection.State.OPEN) {
                try {
                    flushOne(c);
                } catch (IOException e) {
                    markClosing(c, CloseReason.IO_ERROR, false);
                } catch (RuntimeException e) {
                    LOG.warn("[ERROR]     conn={} unexpected failure in flush, closing", c.id(), e);
                    markClosing(c, CloseReason.INTERNAL_ERROR, false);
                }
            }
        }
        dirtyCount = 0;
    }

    /** One write attempt, then interest update, then the policy's verdict on what is left. */
    private void flushOne(Connection c) throws IOException {
        writeOnce(c);
        if (!c.queue.isEmpty()) {
            judge.judge(c, true, nowNanos);
        }
    }

    /** One non-blocking gathering write of the queue, counted; returns the bytes the kernel took. */
    long writeOnce(Connection c) throws IOException {
        WriteQueue q = c.queue;
        long written = 0;
        if (!q.isEmpty()) {
            written = q.flush(c.channel(), gatherScratch, config.maxWriteBytesPerTurn(), nowNanos);
            stats.writeCalls++;
            if (written > 0) {
                pendingBytes -= written;
                stats.bytesWritten += written;
            }
            if (traceEnabled) {
                LOG.trace("[FLUSH]     conn={} wrote={} remaining={}", c.id(), written, q.pendingBytes());
            }
        }
        updateInterest(c);
        return written;
    }

    void updateInterest(Connection c) {
        SelectionKey key = c.key;
        if (key == null || !key.isValid() || c.lingerUntilNanos != 0) {
            return; // a lingering socket stays write-only: reading it would spin on unread input
        }
        int ops = 0;
        if (c.readPausedUntilNanos == 0 && !draining) {
            ops |= SelectionKey.OP_READ;
        }
        if (!c.queue.isEmpty()) {
            ops |= SelectionKey.OP_WRITE;
        }
        if (key.interestOps() != ops) {
            key.interestOps(ops);
        }
    }

    /** Time-driven rules (soft limit, write deadline) once per tick; paused readers whose time is up. */
    private void maybeTick() {
        if (!pauses.isEmpty()) {
            pauses.resumeDue(nowNanos);
        }
        judge.maybeTick(nowNanos);
    }

    /**
     * Once per {@link #HOUSEKEEPING_INTERVAL_NANOS}: every open connection's handler gets its
     * timer check (Redis's clientsCron plays this role). Handlers may mark connections for
     * closing; nothing is closed while this walks the map.
     */
    private void maybeHousekeep() {
        if (nowNanos < nextHousekeepingNanos) {
            return;
        }
        nextHousekeepingNanos = nowNanos + HOUSEKEEPING_INTERVAL_NANOS;
        if (!lingering.isEmpty()) {
            lingering.expire(nowNanos, false);
        }
        for (Connection c : connections.values()) {
            if (c.state == Connection.State.OPEN) {
                try {
                    c.handler.onHousekeeping(c, nowNanos);
                } catch (RuntimeException e) {
                    LOG.warn("[ERROR]     conn={} housekeeping failed, closing", c.id(), e);
                    markClosing(c, CloseReason.INTERNAL_ERROR, false);
                }
            }
        }
    }

    /** Marks {@code c} for closing at the end of this turn (see {@link Reaper}). */
    void markClosing(Connection c, CloseReason reason, boolean flushFirst) {
        reaper.mark(c, reason, flushFirst);
    }

    // ---- accepting -------------------------------------------------------------------

    void registerListener(ServerSocketChannel server, Protocol protocol) throws IOException {
        server.configureBlocking(false);
        acceptor.addListenerKey(server.register(nioSelector, SelectionKey.OP_ACCEPT,
                new Acceptor.Listener(server, protocol)));
    }

    /** Takes over an accepted socket (loop thread; the acceptor posts here). */
    void register(SocketChannel ch, Protocol protocol, long id) {
        String remote = "?";
        try {
            ch.configureBlocking(false);
            SocketTuning.apply(ch, config);
            remote = Addresses.format(ch.getRemoteAddress());
            String local = Addresses.format(ch.getLocalAddress());
            Connection c = new Connection(id, this, ch, protocol, remote, local, clock.nanoTime());
            LOG.info("[ACCEPT]    conn={} proto={} remote={}", id, protocol.name(), remote);
            c.handler = protocol.open(c);
            try {
                c.key = ch.register(nioSelector, SelectionKey.OP_READ, c);
            } catch (IOException | RuntimeException e) {
                c.handler.onClose(c, CloseReason.IO_ERROR); // undo what open() subscribed
                throw e;
            }
            connections.put(id, c);
            engine.onRegistered(c);
            stats.accepted++;
        } catch (IOException | RuntimeException e) {
            LOG.warn("[ACCEPT]    conn={} remote={} setup failed: {}", id, remote, e.toString());
            engine.releaseClient();
            try {
                ch.close();
            } catch (IOException ignored) {
                // Already failing.
            }
        }
    }

    // ---- lifecycle -------------------------------------------------------------------

    /** Stop reading, let queues drain until {@code deadlineNanos}, then close all and stop. */
    void beginDrain(long drainNanos) {
        draining = true;
        drainDeadlineNanos = clock.nanoTime() + drainNanos;
        judge.tickAt(nowNanos);
        for (SelectionKey key : nioSelector.keys()) {
            if (key.attachment() instanceof Acceptor.Listener) {
                key.cancel();
            }
        }
        for (Connection c : connections.values()) {
            if (c.state == Connection.State.OPEN) {
                try {
                    c.handler.onShutdown(c);
                } catch (RuntimeException e) {
                    LOG.warn("[ERROR]     conn={} onShutdown failed", c.id(), e);
                }
            }
            updateInterest(c);
        }
    }

    private void maybeFinishDrain() {
        boolean empty = true;
        for (Connection c : connections.values()) {
            if (!c.queue.isEmpty()) {
                empty = false;
                break;
            }
        }
        if (empty || clock.nanoTime() >= drainDeadlineNanos) {
            stopped = true;
        }
    }

    private void closeEverything() {
        try {
            for (Connection c : new ArrayList<>(connections.values())) {
                markClosing(c, CloseReason.SHUTDOWN, true);
            }
            reaper.reapAll(nowNanos, draining);
            lingering.expire(nowNanos, true);
            runInbox(); // release anything posted to us (cross-loop messages hold frames)
            acceptor.close();
            nioSelector.close();
        } catch (IOException ignored) {
            // Process is stopping.
        } finally {
            engine.onLoopStopped(this); // even after a crash: the server waits for every loop
        }
    }

    /** Releases the selector of a loop whose thread was never started. */
    void closeNeverStarted() {
        stopped = true;
        closeEverything();
    }
}
