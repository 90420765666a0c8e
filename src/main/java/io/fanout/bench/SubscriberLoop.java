package io.fanout.bench;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedSelectorException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;

import org.HdrHistogram.Histogram;

/**
 * A selector thread that reads a share of the subscribers: one read per ready key per turn
 * into the loop's one large read buffer, decode in place, keep the incomplete tail. It owns
 * its subscribers' state and one latency histogram; the coordinating thread reads both after
 * {@link #stopAndJoin}.
 *
 * <p>Why one shared read buffer: the cost of a subscriber is mostly the {@code read} system
 * call, so reads must be large, but a large buffer per subscriber costs N times the memory
 * (measured at N = 1000, 1 KiB: 16 KiB per subscriber gave 1.5 M deliveries/s, 128 KiB 3.6 M,
 * this shared 1 MiB buffer 4.7-5.1 M).
 * Each subscriber keeps only its incomplete last frame (its carry), copied in front of the
 * next read: at most one frame per read.
 *
 * <p>Time is read once per read call, not once per message: every message in one read
 * arrived together, and a {@code nanoTime} per message would cost more than the decode.
 *
 * <p>Other threads talk to the loop only through {@link #post} (registration, resuming the
 * stalled subscribers), never by touching its keys.
 */
final class SubscriberLoop implements Runnable {
    /** Latencies above this (a minute) are recorded as this, so recording never throws. */
    static final long HIGHEST_TRACKABLE_NANOS = TimeUnit.SECONDS.toNanos(60);

    final PayloadHeader header;
    final Histogram latency = new Histogram(HIGHEST_TRACKABLE_NANOS, 3);
    private final RunState run;
    private final SubscriberDecoder decoder;
    private final Selector nioSelector;
    private final Queue<Runnable> inbox = new ConcurrentLinkedQueue<>();
    private final List<Subscriber> owned = new ArrayList<>();
    private final Thread thread;
    private final ByteBuffer readBuffer;
    private volatile boolean running = true;
    /** Time spent blocked in select(): the rest of the wall time the loop was busy (or waiting for a core). */
    private volatile long selectNanos;

    private long nowNanos;
    private long measureStartNanos;
    private long measureEndNanos;
    /**
     * Run-length buffer in front of the histogram: messages of one read share a receive
     * time, and in a closed loop a publisher's batch shares its send time, so runs of equal
     * latencies are common and recording them once saves most histogram updates.
     */
    private long pendingLatencyNanos = -1;
    private long pendingCount;

    SubscriberLoop(int id, RunState run, SubscriberDecoder decoder, int readBufferBytes) throws IOException {
        this.run = run;
        this.readBuffer = ByteBuffer.allocateDirect(readBufferBytes);
        this.header = new PayloadHeader(run.runTag);
        this.decoder = decoder;
        this.nioSelector = Selector.open();
        this.thread = new Thread(this, "bench-subscribers-" + id);
        this.thread.setDaemon(true);
    }

    void start() {
        thread.start();
    }

    /** Runs task on the loop thread soon. */
    void post(Runnable task) {
        inbox.add(task);
        nioSelector.wakeup();
    }

    /** Hands s to this loop; it is read from the next turn on. */
    void adopt(Subscriber s) {
        s.attach(this);
        post(() -> register(s));
    }

    private void register(Subscriber s) {
        owned.add(s);
        try {
            s.key = s.channel.register(nioSelector, SelectionKey.OP_READ, s);
        } catch (IOException e) {
            cut(s, "register: " + e.getMessage());
        }
    }

    /** Lets the stalled subscribers read again, so a cut shows up as end of stream. */
    void resumeStalled() {
        post(() -> {
            for (Subscriber s : owned) {
                if (s.stalled && !s.isCut() && s.key != null && s.key.isValid()) {
                    s.key.interestOps(SelectionKey.OP_READ);
                }
            }
        });
    }

    @Override
    public void run() {
        try {
            while (running) {
                long before = System.nanoTime();
                nioSelector.select(100);
                selectNanos += System.nanoTime() - before; // one writer: this thread
                runInbox();
                Set<SelectionKey> ready = nioSelector.selectedKeys();
                for (SelectionKey key : ready) {
                    onReadable((Subscriber) key.attachment());
                }
                ready.clear();
            }
        } catch (IOException | ClosedSelectorException e) {
            // the run is being torn down
        } finally {
            closeAll();
        }
    }

    private void runInbox() {
        Runnable task;
        while ((task = inbox.poll()) != null) {
            task.run();
        }
    }

    private void onReadable(Subscriber s) {
        if (s.isCut()) {
            return;
        }
        ByteBuffer b = readBuffer;
        b.clear();
        s.carry.flip();
        b.put(s.carry);
        s.carry.clear();
        int n;
        try {
            n = s.channel.read(b);
        } catch (IOException e) {
            cut(s, "reset: " + e.getMessage());
            return;
        }
        if (n < 0) {
            cut(s, "closed by server");
            return;
        }
        nowNanos = System.nanoTime();
        measureStartNanos = run.measureStartNanos();
        measureEndNanos = run.measureEndNanos();
        b.flip();
        int outcome = decoder.decode(b, s);
        flushLatency();
        if (outcome == SubscriberDecoder.MALFORMED) {
            cut(s, "protocol error: " + decoder.problem());
            return;
        }
        if (b.remaining() == b.capacity()) {
            cut(s, "frame larger than the read buffer (" + b.capacity() + " bytes)");
            return;
        }
        keepTail(s, b);
        if (!s.isCut()) {
            run.progress.lazySet(s.index, s.sequences.progress);
        }
    }

    /** Copies the incomplete frame at the end of the read into the subscriber's carry. */
    private static void keepTail(Subscriber s, ByteBuffer b) {
        if (b.remaining() > s.carry.capacity()) { // a frame larger than expected: rare, grow once
            s.carry = ByteBuffer.allocateDirect(Math.max(b.remaining(), 2 * s.carry.capacity()));
        }
        s.carry.put(b);
    }

    /** Called by the decoder (through the subscriber) when a message arrives. */
    boolean maybeRecord(long sentNanos) {
        if (sentNanos - measureStartNanos < 0 || sentNanos - measureEndNanos >= 0) {
            return false;
        }
        long latencyNanos = nowNanos - sentNanos;
        if (latencyNanos < 0) {
            latencyNanos = 0;
        } else if (latencyNanos > HIGHEST_TRACKABLE_NANOS) {
            latencyNanos = HIGHEST_TRACKABLE_NANOS;
        }
        if (latencyNanos == pendingLatencyNanos) {
            pendingCount++;
        } else {
            flushLatency();
            pendingLatencyNanos = latencyNanos;
            pendingCount = 1;
        }
        return true;
    }

    private void flushLatency() {
        if (pendingCount > 0) {
            latency.recordValueWithCount(pendingLatencyNanos, pendingCount);
            pendingCount = 0;
        }
    }

    void onReady(Subscriber s) {
        if (s.ready || s.failed) {
            return;
        }
        s.ready = true;
        if (s.stalled) {
            s.key.interestOps(0); // from now on it never reads: the server's backlog for it grows
            run.progress.lazySet(s.index, s.sequences.progress);
        }
        run.setup.countDown();
    }

    void onSetupFailed(Subscriber s) {
        if (!s.ready && !s.failed) {
            s.failed = true;
            run.setup.countDown();
        }
    }

    private void cut(Subscriber s, String reason) {
        s.closedAtNanos = System.nanoTime();
        s.closeReason = reason;
        if (s.key != null) {
            s.key.cancel();
        }
        Closeables.closeQuietly(s.channel);
        run.progress.set(s.index, RunState.CUT);
        onSetupFailed(s);
    }

    private void closeAll() {
        for (Subscriber s : owned) {
            Closeables.closeQuietly(s.channel);
        }
        Closeables.closeQuietly(nioSelector);
    }

    long selectNanos() {
        return selectNanos;
    }

    long threadId() {
        return thread.getId();
    }

    /** Stops the loop, waits for it; the subscribers' counters are then safe to read. */
    void stopAndJoin(long timeoutMillis) throws InterruptedException {
        running = false;
        nioSelector.wakeup();
        thread.join(timeoutMillis);
    }
}
