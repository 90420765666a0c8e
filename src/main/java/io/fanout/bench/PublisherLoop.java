package io.fanout.bench;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Set;
import java.util.concurrent.locks.LockSupport;

import org.HdrHistogram.Histogram;

/**
 * The one thread that drives every publisher. A turn: maybe send a probe (line protocol,
 * setup), encode as many messages as the load model allows into each publisher's buffer,
 * write them, then wait for replies, writability or the next due time.
 *
 * <p>What may be sent:
 * <ul>
 *   <li>closed loop: until the measured window ends, while a publisher has fewer than
 *       {@code --window} PUBLISH replies outstanding (RESP only: lines get no reply) and the
 *       slowest healthy subscriber trails by fewer than {@code --max-lag} messages. A PUBLISH
 *       reply only says the server queued the message; the lag cap is what keeps a run from
 *       measuring a backlog growing inside the server. Messages carry the time they were sent.</li>
 *   <li>open loop: message k of publisher p is due at {@code start + (k*P + p) / rate}; it
 *       carries its due time, not the time it left, so a server that makes the publisher late
 *       is charged for it (no coordinated omission). How late the bench itself was is kept
 *       in {@link #lateness}.</li>
 * </ul>
 *
 * <p>Threads: everything runs on this loop's thread; the coordinator flips {@link #probing}
 * and {@link #publishing} and reads the counters after {@link #stopAndJoin}.
 */
final class PublisherLoop implements Runnable {
    private static final long IDLE_WAIT_NANOS = 100_000_000L;
    private static final long LAG_WAIT_NANOS = 1_000_000L;
    private static final long PROBE_INTERVAL_NANOS = 20_000_000L;
    private static final byte[] PROBE = "?probe\n".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] CRLF = {'\r', '\n'};
    private static final byte[] LF = {'\n'};

    private final BenchConfig config;
    private final RunState run;
    private final Publisher[] publishers;
    private final Selector nioSelector;
    private final Thread thread;
    private final boolean resp;
    private final boolean open;
    private final boolean windowed;
    private final boolean lagCapped;
    private final byte[] publishPrefix;
    private final byte[] probe;
    private final byte[] padding;
    private final byte[] terminator;
    private final int frameBytes;
    private final double nanosPerMessage;

    volatile boolean probing;
    private volatile boolean publishing;
    private volatile boolean running = true;
    private boolean finished;
    private long lastProbeNanos;
    private long measureStartNanos;
    private long measureEndNanos;
    private long startNanos;

    private long cachedSlowestProgress;
    private long lagBlockedSinceNanos = -1;

    /** Counters, read after the thread ended. */
    long totalPublished;
    long measuredPublished;
    long lagWaits;
    long lagBlockedNanos;
    final Histogram lateness = new Histogram(SubscriberLoop.HIGHEST_TRACKABLE_NANOS, 3);
    volatile Throwable failure;

    PublisherLoop(BenchConfig config, RunState run, Publisher[] publishers) throws IOException {
        this.config = config;
        this.run = run;
        this.publishers = publishers;
        this.nioSelector = Selector.open();
        this.resp = config.proto() == BenchConfig.Proto.RESP;
        this.open = config.mode() == BenchConfig.Mode.OPEN;
        this.windowed = resp && !open;
        this.lagCapped = !open && config.maxLag() > 0;
        byte[] channel = config.channel().getBytes(StandardCharsets.UTF_8);
        String prefix = "*3\r\n$7\r\nPUBLISH\r\n$" + channel.length + "\r\n" + config.channel() + "\r\n$"
                + config.payloadBytes() + "\r\n";
        boolean ws = config.proto() == BenchConfig.Proto.WS || config.proto() == BenchConfig.Proto.SSE;
        this.publishPrefix = resp ? prefix.getBytes(StandardCharsets.UTF_8)
                : ws ? wsHeader(config.payloadBytes()) : new byte[0];
        this.padding = new byte[config.payloadBytes() - PayloadHeader.BYTES];
        Arrays.fill(padding, PayloadHeader.PAD);
        this.terminator = resp ? CRLF : ws ? new byte[0] : LF;
        this.probe = ws ? wsFrame("?probe".getBytes(StandardCharsets.US_ASCII)) : PROBE;
        this.frameBytes = publishPrefix.length + config.payloadBytes() + terminator.length;
        this.nanosPerMessage = open ? 1e9 / config.ratePerSecond() : 0;
        this.thread = new Thread(this, "bench-publishers");
        this.thread.setDaemon(true);
    }

    /**
     * A masked client text frame header for a payload of {@code n} bytes. The masking key is
     * zero: legal (RFC 6455 asks browsers for unpredictable keys, which protects proxies, not
     * servers) and it leaves the payload bytes as they are, so the tool does no XOR work.
     */
    static byte[] wsHeader(int n) {
        ByteBuffer h = ByteBuffer.allocate(14);
        h.put((byte) 0x81);
        if (n < 126) {
            h.put((byte) (0x80 | n));
        } else if (n <= 0xFFFF) {
            h.put((byte) (0x80 | 126)).putShort((short) n);
        } else {
            h.put((byte) (0x80 | 127)).putLong(n);
        }
        h.putInt(0);
        return Arrays.copyOf(h.array(), h.position());
    }

    static byte[] wsFrame(byte[] payload) {
        byte[] h = wsHeader(payload.length);
        byte[] f = Arrays.copyOf(h, h.length + payload.length);
        System.arraycopy(payload, 0, f, h.length, payload.length);
        return f;
    }

    /** Out-buffer size for a publisher: room for many frames, at least 256 KiB. */
    static int outBufferBytes(BenchConfig config) {
        return Math.max(256 * 1024, 4 * (config.payloadBytes() + 128));
    }

    void start() throws IOException {
        for (Publisher p : publishers) {
            p.key = p.channel.register(nioSelector, SelectionKey.OP_READ, p);
        }
        thread.start();
    }

    /** Starts publishing on the schedule already {@link RunState#arm armed}. */
    void startPublishing() {
        publishing = true;
        nioSelector.wakeup();
    }

    @Override
    public void run() {
        try {
            while (running) {
                turn();
            }
        } catch (IOException | RuntimeException e) {
            failure = e;
        } finally {
            if (!finished) {
                finishPublishing();
            }
            for (Publisher p : publishers) {
                Closeables.closeQuietly(p.channel);
            }
            Closeables.closeQuietly(nioSelector);
        }
    }

    private void turn() throws IOException {
        long now = System.nanoTime();
        if (probing) {
            maybeProbe(now);
        }
        long waitNanos = IDLE_WAIT_NANOS;
        if (publishing && !finished) {
            if (startNanos == 0) {
                startNanos = run.startNanos();
                measureStartNanos = run.measureStartNanos();
                measureEndNanos = run.measureEndNanos();
            }
            waitNanos = fill(now);
        }
        for (Publisher p : publishers) {
            if (!p.closed && p.out.position() > 0) {
                flush(p);
            }
        }
        await(waitNanos);
        Set<SelectionKey> ready = nioSelector.selectedKeys();
        for (SelectionKey key : ready) {
            Publisher p = (Publisher) key.attachment();
            if (key.isValid() && key.isReadable()) {
                onReadable(p);
            }
            if (key.isValid() && key.isWritable()) {
                flush(p);
            }
        }
        ready.clear();
    }

    private void maybeProbe(long now) {
        Publisher p = publishers[0];
        if (now - lastProbeNanos >= PROBE_INTERVAL_NANOS && p.out.remaining() >= probe.length) {
            lastProbeNanos = now;
            p.out.put(probe);
        }
    }

    /** Encodes what may be sent now; returns how long to wait before trying again. */
    private long fill(long now) {
        if (!open && now - measureEndNanos >= 0) {
            finishPublishing();
            return IDLE_WAIT_NANOS;
        }
        long wait = open ? IDLE_WAIT_NANOS : Math.min(IDLE_WAIT_NANOS, measureEndNanos - now);
        boolean allDone = true;
        for (Publisher p : publishers) {
            if (p.closed || p.scheduleDone) {
                continue;
            }
            allDone = false;
            wait = Math.min(wait, fillOne(p, now));
        }
        run.publishedTotal.lazySet(totalPublished);
        if (allDone) {
            finishPublishing();
        }
        return wait;
    }

    private long fillOne(Publisher p, long now) {
        while (true) {
            if (p.out.remaining() < frameBytes) {
                return IDLE_WAIT_NANOS; // writability wakes the loop
            }
            if (windowed && p.outstandingReplies >= config.window()) {
                return IDLE_WAIT_NANOS; // a reply wakes the loop
            }
            long stamp = now;
            if (open) {
                long due = startNanos + (long) ((p.nextSequence * publishers.length + p.id) * nanosPerMessage);
                if (due - measureEndNanos >= 0) {
                    p.scheduleDone = true;
                    return IDLE_WAIT_NANOS;
                }
                if (due - now > 0) {
                    return due - now;
                }
                lateness.recordValue(Math.min(now - due, SubscriberLoop.HIGHEST_TRACKABLE_NANOS));
                stamp = due;
            } else if (!lagAllows(now)) {
                return LAG_WAIT_NANOS; // subscriber progress wakes nobody: poll
            }
            encode(p, stamp);
        }
    }

    /** Closed loop: may one more message go out without the slowest subscriber trailing too far? */
    private boolean lagAllows(long now) {
        if (!lagCapped) {
            return true;
        }
        if (totalPublished - cachedSlowestProgress < config.maxLag()) {
            return endLagBlock(now);
        }
        cachedSlowestProgress = run.slowestHealthyProgress();
        if (totalPublished - cachedSlowestProgress < config.maxLag()) {
            return endLagBlock(now);
        }
        if (lagBlockedSinceNanos < 0) {
            lagBlockedSinceNanos = now;
            lagWaits++;
        }
        return false;
    }

    private boolean endLagBlock(long now) {
        if (lagBlockedSinceNanos >= 0) {
            lagBlockedNanos += now - lagBlockedSinceNanos;
            lagBlockedSinceNanos = -1;
        }
        return true;
    }

    private void encode(Publisher p, long stamp) {
        ByteBuffer o = p.out;
        o.put(publishPrefix);
        PayloadHeader.encode(o, run.runTag, p.id, p.nextSequence, stamp);
        o.put(padding);
        o.put(terminator);
        p.nextSequence++;
        totalPublished++;
        if (windowed) {
            p.outstandingReplies++;
        }
        if (stamp - measureStartNanos >= 0 && stamp - measureEndNanos < 0) {
            measuredPublished++;
        }
    }

    private void finishPublishing() {
        finished = true;
        publishing = false;
        probing = false;
        run.publishedTotal.set(totalPublished);
        run.publishingDone = true;
    }

    private void await(long waitNanos) throws IOException {
        if (waitNanos <= 0) {
            nioSelector.selectNow();
        } else if (waitNanos >= 2_000_000L) {
            nioSelector.select(waitNanos / 1_000_000L);
        } else if (nioSelector.selectNow() == 0) {
            // select() has millisecond resolution; an open-loop schedule needs better
            LockSupport.parkNanos(waitNanos);
        }
    }

    private void flush(Publisher p) {
        p.out.flip();
        try {
            p.channel.write(p.out);
        } catch (IOException e) {
            p.out.compact();
            close(p, "write failed: " + e.getMessage());
            return;
        }
        p.out.compact();
        boolean wantsWrite = p.out.position() > 0;
        if (wantsWrite != p.wantsWrite && p.key.isValid()) {
            p.key.interestOps(wantsWrite ? SelectionKey.OP_READ | SelectionKey.OP_WRITE : SelectionKey.OP_READ);
            p.wantsWrite = wantsWrite;
        }
    }

    private void onReadable(Publisher p) {
        // Line publishers receive every line (their own too) and must keep reading, or the
        // server would rightly cut them as slow: read until the socket is empty, a few times.
        for (int reads = 0; reads < 8; reads++) {
            int n;
            try {
                n = p.channel.read(p.in);
            } catch (IOException e) {
                close(p, "reset: " + e.getMessage());
                return;
            }
            if (n < 0) {
                close(p, "closed by server");
                return;
            }
            p.in.flip();
            if (resp) {
                scanReplies(p);
            } else {
                p.receivedLineBytes += n;
            }
            p.in.clear();
            if (n < p.in.capacity()) {
                return;
            }
        }
    }

    /** Every RESP reply to PUBLISH is one line (":n" or "-ERR ..."): count line ends. */
    private static void scanReplies(Publisher p) {
        ByteBuffer b = p.in;
        for (int i = b.position(), end = b.limit(); i < end; i++) {
            byte c = b.get(i);
            if (p.atLineStart) {
                p.atLineStart = false;
                p.inErrorLine = c == '-';
                if (p.inErrorLine && p.firstError == null) {
                    p.errorText = new StringBuilder();
                }
            } else if (p.inErrorLine && p.errorText != null && c != '\r' && c != '\n' && p.errorText.length() < 200) {
                p.errorText.append((char) c);
            }
            if (c == '\n') {
                p.atLineStart = true;
                p.replies++;
                if (p.outstandingReplies > 0) {
                    p.outstandingReplies--;
                }
                if (p.inErrorLine) {
                    p.errorReplies++;
                    if (p.firstError == null && p.errorText != null) {
                        p.firstError = p.errorText.toString();
                        p.errorText = null;
                    }
                }
            }
        }
    }

    private void close(Publisher p, String reason) {
        p.closed = true;
        p.closeReason = reason;
        if (p.key != null) {
            p.key.cancel();
        }
        Closeables.closeQuietly(p.channel);
    }

    long threadId() {
        return thread.getId();
    }

    void stopAndJoin(long timeoutMillis) throws InterruptedException {
        running = false;
        nioSelector.wakeup();
        thread.join(timeoutMillis);
    }
}
