package io.fanout.bench;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

import org.HdrHistogram.Histogram;

/**
 * One bench run, phase by phase, each bounded in time:
 *
 * <pre>
 *  connect    stalled subscribers, healthy ones, publishers   (--connect-timeout for all)
 *  subscribe  RESP: every SUBSCRIBE confirmed; line: every     (--connect-timeout again)
 *             subscriber has received a probe line
 *  warm-up    publishing, nothing recorded                     (--warmup)
 *  measure    publishing, latency and deliveries recorded       (--duration)
 *  drain      healthy subscribers catch up with what was sent   (--drain)
 *  stalled    the stalled subscribers read again: end of stream (--drain)
 *             means the server cut them
 *  report
 * </pre>
 *
 * A server that cuts subscribers is reported, not fatal. Only failing to connect or to
 * subscribe ends a run early ({@link BenchException}, exit 1).
 *
 * <p>Threads: the caller's thread coordinates; one {@link PublisherLoop}, one or more
 * {@link SubscriberLoop}s and, for stalled RESP subscribers, a {@link StalledMonitor}.
 */
public final class BenchRun {
    /** SO_RCVBUF of stalled subscribers: small, so the server's backlog for them starts early. */
    static final int STALLED_RECEIVE_BUFFER = 4096;
    private static final long THREAD_JOIN_MILLIS = 2_000;

    private final BenchConfig config;
    private final InetSocketAddress address;
    private final List<SocketChannel> opened = new ArrayList<>();
    private final List<Subscriber> subscribers = new ArrayList<>();
    private final List<SubscriberLoop> loops = new ArrayList<>();
    private Publisher[] publishers;
    private PublisherLoop publisherLoop;
    private StalledMonitor monitor;
    private Socket monitorSocket;
    private String monitorNote;

    private BenchRun(BenchConfig config) {
        this.config = config;
        this.address = new InetSocketAddress(config.host(), config.port());
    }

    /** Runs the whole bench and returns what it measured. */
    public static BenchResult execute(BenchConfig config) throws BenchException, InterruptedException {
        return new BenchRun(config).run();
    }

    private BenchResult run() throws BenchException, InterruptedException {
        if (address.isUnresolved()) {
            throw new BenchException(1, "cannot resolve host " + config.host());
        }
        RunState state = new RunState(config.subscribers(), config.stalled());
        try {
            connectAll();
            String server = config.proto() == BenchConfig.Proto.RESP ? identify(publishers[0].channel)
                    : config.proto() == BenchConfig.Proto.LINE ? "line server" : config.proto().label() + " server";
            startLoops(state);
            awaitSubscribed(state);
            return measure(state, server);
        } finally {
            stopAll();
        }
    }

    // ---- connect ----

    private void connectAll() throws BenchException {
        long deadline = System.nanoTime() + config.setupTimeoutNanos();
        int carryBytes = carryBytes();
        int healthy = config.subscribers();
        byte[] subscribe = resp("SUBSCRIBE", config.channel());
        byte[] clientId = resp("CLIENT", "ID");
        // Stalled first: line clients join in the order they are accepted, and a stalled
        // one cannot confirm it joined by reading everything after.
        for (int j = 0; j < config.stalled(); j++) {
            SocketChannel ch = connect(deadline, true, true);
            Subscriber s = new Subscriber(healthy + j, true, ch, config.publishers(), carryBytes);
            if (config.proto() == BenchConfig.Proto.RESP) {
                s.awaitingClientId = true;
                writeBlocking(ch, clientId);
                writeBlocking(ch, subscribe);
            }
            subscribers.add(s);
        }
        for (int i = 0; i < healthy; i++) {
            SocketChannel ch = connect(deadline, false, true);
            if (config.proto() == BenchConfig.Proto.RESP) {
                writeBlocking(ch, subscribe);
            }
            subscribers.add(new Subscriber(i, false, ch, config.publishers(), carryBytes));
        }
        publishers = new Publisher[config.publishers()];
        for (int p = 0; p < publishers.length; p++) {
            publishers[p] = new Publisher(p, connect(deadline, false, false), PublisherLoop.outBufferBytes(config));
        }
        if (config.stalled() > 0 && config.proto() == BenchConfig.Proto.RESP) {
            monitorSocket = connectMonitor(deadline);
        }
    }

    private SocketChannel connect(long deadline, boolean smallReceiveBuffer, boolean subscriber) throws BenchException {
        long remainingMillis = (deadline - System.nanoTime()) / 1_000_000L;
        if (remainingMillis <= 0) {
            throw new BenchException(1, "could not connect to " + target() + ": --connect-timeout passed after "
                    + opened.size() + " connections");
        }
        try {
            SocketChannel ch = SocketChannel.open();
            opened.add(ch);
            if (smallReceiveBuffer) {
                ch.setOption(StandardSocketOptions.SO_RCVBUF, STALLED_RECEIVE_BUFFER);
            }
            ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
            ch.socket().connect(address, (int) Math.min(Integer.MAX_VALUE, remainingMillis));
            int handshakeMillis = (int) Math.max(1, (deadline - System.nanoTime()) / 1_000_000L);
            if (config.proto() == BenchConfig.Proto.WS || (config.proto() == BenchConfig.Proto.SSE && !subscriber)) {
                upgrade(ch, handshakeMillis);
            } else if (config.proto() == BenchConfig.Proto.SSE) {
                httpGet(ch, "/sse/" + encodedChannel(), "", "HTTP/1.1 200 ", handshakeMillis);
            }
            return ch;
        } catch (SocketTimeoutException e) {
            throw new BenchException(1, "could not connect to " + target() + ": timed out after " + opened.size()
                    + " connections");
        } catch (IOException e) {
            throw new BenchException(1, "could not connect to " + target() + ": " + e.getMessage());
        }
    }

    private String encodedChannel() {
        return java.net.URLEncoder.encode(config.channel(), StandardCharsets.UTF_8).replace("+", "%20");
    }

    /** The WebSocket opening handshake on a fresh blocking socket: {@code GET /ws/<channel>}, expect 101. */
    private void upgrade(SocketChannel ch, int timeoutMillis) throws IOException {
        byte[] key = new byte[16];
        java.util.concurrent.ThreadLocalRandom.current().nextBytes(key);
        httpGet(ch, "/ws/" + encodedChannel(), "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: "
                + java.util.Base64.getEncoder().encodeToString(key) + "\r\nSec-WebSocket-Version: 13\r\n",
                "HTTP/1.1 101 ", timeoutMillis);
    }

    /** Sends a GET and reads the answer's head (byte by byte: nothing after it is taken). */
    private void httpGet(SocketChannel ch, String path, String headers, String expectStatus, int timeoutMillis)
            throws IOException {
        String request = "GET " + path + " HTTP/1.1\r\nHost: " + config.host() + ":" + config.port() + "\r\n"
                + headers + "\r\n";
        ch.socket().getOutputStream().write(request.getBytes(StandardCharsets.US_ASCII));
        ch.socket().setSoTimeout(timeoutMillis);
        InputStream in = ch.socket().getInputStream();
        StringBuilder head = new StringBuilder();
        while (!head.toString().endsWith("\r\n\r\n")) {
            int c = in.read();
            if (c < 0 || head.length() > 16 * 1024) {
                throw new IOException("no answer to GET " + path + " from " + target());
            }
            head.append((char) c);
        }
        if (!head.toString().startsWith(expectStatus)) {
            throw new IOException("GET " + path + " refused: " + head.toString().lines().findFirst().orElse(""));
        }
        ch.socket().setSoTimeout(0);
    }

    private Socket connectMonitor(long deadline) throws BenchException {
        try {
            Socket s = new Socket();
            s.setTcpNoDelay(true);
            s.connect(address, (int) Math.max(1, (deadline - System.nanoTime()) / 1_000_000L));
            s.setSoTimeout(2_000);
            return s;
        } catch (IOException e) {
            throw new BenchException(1, "could not connect to " + target() + ": " + e.getMessage());
        }
    }

    private static void writeBlocking(SocketChannel ch, byte[] bytes) throws BenchException {
        try {
            ByteBuffer b = ByteBuffer.wrap(bytes);
            while (b.hasRemaining()) {
                ch.write(b);
            }
        } catch (IOException e) {
            throw new BenchException(1, "could not subscribe: " + e.getMessage());
        }
    }

    /** Room for a subscriber's incomplete last frame (it grows if a larger frame comes). */
    private int carryBytes() {
        return Math.max(4 * 1024, 2 * config.deliveryFrameBytes() + 1024);
    }

    /** One read buffer per subscriber loop: large reads are what keep the tool cheap. */
    private int readBufferBytes() {
        return Math.max(1 << 20, 4 * config.deliveryFrameBytes());
    }

    /** "redis 7.0.15" or "fanout 0.1.0" from INFO server; "unknown" if the server will not say. */
    private String identify(SocketChannel ch) {
        try {
            ch.socket().setSoTimeout(2_000);
            OutputStream out = ch.socket().getOutputStream();
            InputStream in = ch.socket().getInputStream();
            out.write(resp("INFO", "server"));
            String header = readLine(in);
            if (!header.startsWith("$")) {
                return "unknown";
            }
            int length = Integer.parseInt(header.substring(1));
            byte[] body = in.readNBytes(Math.max(0, length) + 2);
            String info = new String(body, StandardCharsets.UTF_8);
            String fanout = infoField(info, "fanout_version");
            if (fanout != null) {
                return "fanout " + fanout;
            }
            String redis = infoField(info, "redis_version");
            return redis != null ? "redis " + redis : "unknown";
        } catch (IOException | RuntimeException e) {
            return "unknown";
        }
    }

    private static String infoField(String info, String name) {
        for (String line : info.split("\r?\n")) {
            if (line.startsWith(name + ":")) {
                return line.substring(name.length() + 1).trim();
            }
        }
        return null;
    }

    private static String readLine(InputStream in) throws IOException {
        StringBuilder sb = new StringBuilder();
        for (int c = in.read(); c >= 0 && c != '\n'; c = in.read()) {
            if (c != '\r') {
                sb.append((char) c);
            }
        }
        return sb.toString();
    }

    // ---- subscribe ----

    private void startLoops(RunState state) throws BenchException {
        try {
            for (int t = 0; t < config.subscriberThreads(); t++) {
                SubscriberLoop loop = new SubscriberLoop(t, state, SubscriberDecoder.of(config), readBufferBytes());
                loops.add(loop);
                loop.start();
            }
            for (int i = 0; i < subscribers.size(); i++) {
                Subscriber s = subscribers.get(i);
                s.channel.configureBlocking(false);
                loops.get(i % loops.size()).adopt(s);
            }
            for (Publisher p : publishers) {
                p.channel.configureBlocking(false);
            }
            publisherLoop = new PublisherLoop(config, state, publishers);
            publisherLoop.probing = config.proto() != BenchConfig.Proto.RESP;
            publisherLoop.start();
        } catch (IOException e) {
            throw new BenchException(1, "could not start: " + e.getMessage());
        }
    }

    private void awaitSubscribed(RunState state) throws BenchException, InterruptedException {
        boolean all = state.setup.await(config.setupTimeoutNanos(), TimeUnit.NANOSECONDS);
        publisherLoop.probing = false;
        int total = subscribers.size();
        if (!all) {
            long missing = state.setup.getCount();
            throw new BenchException(1, "only " + (total - missing) + " of " + total + " subscribers "
                    + (config.proto() == BenchConfig.Proto.RESP ? "confirmed SUBSCRIBE" : "received the probe line")
                    + " within --connect-timeout");
        }
        for (Subscriber s : subscribers) {
            if (s.failed) {
                String why = s.firstError != null ? s.firstError : s.closeReason;
                throw new BenchException(1, "could not subscribe: " + why);
            }
        }
    }

    // ---- publish, measure, drain ----

    private BenchResult measure(RunState state, String server) throws InterruptedException {
        long start = System.nanoTime() + 1_000_000L;
        state.arm(start, config.warmupNanos(), config.durationNanos());
        publisherLoop.startPublishing();
        List<Subscriber> stalled = subscribers.subList(0, config.stalled());
        if (monitorSocket != null) {
            monitor = new StalledMonitor(monitorSocket, stalled);
            monitor.start();
        }
        long measureEnd = state.measureEndNanos();
        awaitUntil(() -> false, state.measureStartNanos());
        long[] cpuAtStart = threadCpuNanos();
        long selectAtStart = selectNanos();
        long wallAtStart = System.nanoTime();
        awaitUntil(() -> state.publishingDone, measureEnd + 2_000_000_000L);
        long[] cpuAtEnd = threadCpuNanos();
        long selectInWindow = selectNanos() - selectAtStart;
        long wallNanos = System.nanoTime() - wallAtStart;
        long lagAtEnd = -1;
        long slowest = state.slowestHealthyProgress();
        if (slowest != RunState.CUT) {
            lagAtEnd = Math.max(0, state.publishedTotal.get() - slowest);
        }
        long drainStart = System.nanoTime();
        boolean drained = awaitUntil(() -> state.caughtUp(0, state.healthy), drainStart + config.drainNanos());
        long drainMillis = (System.nanoTime() - drainStart) / 1_000_000L;
        if (!stalled.isEmpty()) {
            for (SubscriberLoop loop : loops) {
                loop.resumeStalled();
            }
            awaitUntil(() -> state.caughtUp(state.healthy, state.healthy + config.stalled()),
                    System.nanoTime() + config.drainNanos());
        }
        stopAll();
        BenchResult r = new BenchResult();
        r.config = config;
        r.server = server;
        r.drainComplete = drained;
        r.drainMillis = drainMillis;
        r.lagAtEnd = lagAtEnd;
        r.publisherCpuPercent = percent(cpuAtEnd[0] - cpuAtStart[0], wallNanos);
        long subscriberCpu = 0;
        for (int i = 1; i < cpuAtEnd.length; i++) {
            subscriberCpu += cpuAtEnd[i] - cpuAtStart[i];
        }
        r.subscriberCpuPercent = percent(subscriberCpu, wallNanos);
        r.subscriberBusyPercent = 100.0 - percent(selectInWindow, wallNanos * loops.size());
        collect(r, start);
        return r;
    }

    /**
     * CPU time of the publisher thread, then of each subscriber thread: how much of a core
     * the bench itself needed in the measured window, to tell when the tool is the limit.
     */
    private long[] threadCpuNanos() {
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        long[] cpu = new long[1 + loops.size()];
        cpu[0] = mx.getThreadCpuTime(publisherLoop.threadId());
        for (int i = 0; i < loops.size(); i++) {
            cpu[1 + i] = loops.get(i).threadId();
            cpu[1 + i] = mx.getThreadCpuTime(cpu[1 + i]);
        }
        return cpu;
    }

    private long selectNanos() {
        long sum = 0;
        for (SubscriberLoop loop : loops) {
            sum += loop.selectNanos();
        }
        return sum;
    }

    private static double percent(long cpuNanos, long wallNanos) {
        return cpuNanos < 0 || wallNanos <= 0 ? -1 : 100.0 * cpuNanos / wallNanos;
    }

    /** Polls until the condition holds or the deadline passes; returns whether it held. */
    private static boolean awaitUntil(BooleanSupplier condition, long deadlineNanos) {
        while (!condition.getAsBoolean()) {
            long left = deadlineNanos - System.nanoTime();
            if (left <= 0) {
                return false;
            }
            LockSupport.parkNanos(Math.min(left, 1_000_000L));
        }
        return true;
    }

    private void stopAll() throws InterruptedException {
        if (monitor != null) {
            monitor.stopAndJoin(THREAD_JOIN_MILLIS);
            monitorNote = monitor.unavailableReason;
            monitor = null;
        }
        if (publisherLoop != null) {
            publisherLoop.stopAndJoin(THREAD_JOIN_MILLIS);
        }
        for (SubscriberLoop loop : loops) {
            loop.stopAndJoin(THREAD_JOIN_MILLIS);
        }
        for (SocketChannel ch : opened) {
            Closeables.closeQuietly(ch);
        }
        Closeables.closeQuietly(monitorSocket);
    }

    // ---- report ----

    private void collect(BenchResult r, long start) {
        PublisherLoop pl = publisherLoop;
        r.measuredSeconds = config.durationNanos() / 1e9;
        r.published = pl.measuredPublished;
        r.publishedTotal = pl.totalPublished;
        r.lagWaits = pl.lagWaits;
        r.lagBlockedMillis = pl.lagBlockedNanos / 1_000_000L;
        if (config.mode() == BenchConfig.Mode.OPEN && pl.lateness.getTotalCount() > 0) {
            r.latenessP50Micros = pl.lateness.getValueAtPercentile(50) / 1e3;
            r.latenessP99Micros = pl.lateness.getValueAtPercentile(99) / 1e3;
        }
        if (pl.failure != null) {
            r.warning = "publisher loop failed: " + pl.failure;
        }
        collectPublishers(r);
        Histogram latency = new Histogram(SubscriberLoop.HIGHEST_TRACKABLE_NANOS, 3);
        for (SubscriberLoop loop : loops) {
            latency.add(loop.latency);
        }
        r.latencyCount = latency.getTotalCount();
        if (r.latencyCount > 0) {
            r.p50Micros = latency.getValueAtPercentile(50) / 1e3;
            r.p99Micros = latency.getValueAtPercentile(99) / 1e3;
            r.p999Micros = latency.getValueAtPercentile(99.9) / 1e3;
            r.maxMicros = latency.getMaxValue() / 1e3;
            r.meanMicros = latency.getMean() / 1e3;
        }
        collectSubscribers(r, start);
    }

    private void collectPublishers(BenchResult r) {
        for (Publisher p : publishers) {
            r.publisherErrors += p.errorReplies;
            if (r.firstPublisherError == null) {
                r.firstPublisherError = p.firstError;
            }
            if (p.closed) {
                r.publishersClosed++;
                r.publisherCloseReason = p.closeReason;
            }
        }
    }

    private void collectSubscribers(BenchResult r, long start) {
        List<Long> healthyCuts = new ArrayList<>();
        List<Long> stalledCuts = new ArrayList<>();
        int fromServer = 0;
        for (Subscriber s : subscribers) {
            r.foreign += s.foreign;
            if (s.stalled) {
                long goneAt = s.serverGoneAtNanos >= 0 ? s.serverGoneAtNanos : s.closedAtNanos;
                if (goneAt >= 0) {
                    stalledCuts.add((goneAt - start) / 1_000_000L);
                    fromServer += s.serverGoneAtNanos >= 0 ? 1 : 0;
                } else {
                    r.stalledNotCut++;
                }
                continue;
            }
            r.deliveries += s.measured;
            r.lost += s.sequences.lost;
            r.reordered += s.sequences.reordered;
            r.duplicated += s.sequences.duplicated;
            if (s.isCut()) {
                healthyCuts.add((s.closedAtNanos - start) / 1_000_000L);
                if (r.healthyCutReason == null) {
                    r.healthyCutReason = s.closeReason;
                }
            } else {
                for (Publisher p : publishers) {
                    r.missingAtEnd += Math.max(0, s.sequences.missingAfterLast(p.id, p.nextSequence));
                }
            }
        }
        r.healthyCutMillis = sorted(healthyCuts);
        r.stalledCutMillis = sorted(stalledCuts);
        r.stalledCutSource = stalledSource(stalledCuts.size(), fromServer);
    }

    private String stalledSource(int cut, int fromServer) {
        if (config.stalled() == 0) {
            return "none";
        }
        String source;
        if (cut == 0) {
            source = "none cut";
        } else if (fromServer == cut) {
            source = "cut times from the server's CLIENT LIST (polled every 100 ms)";
        } else if (fromServer > 0) {
            source = fromServer + " cut times from the server's CLIENT LIST, the rest from reading after the run";
        } else {
            source = "cut times are when the stalled subscriber read its end of stream after the run";
        }
        if (monitorNote != null) {
            source += " (server view unavailable: " + monitorNote + ")";
        }
        return source;
    }

    private static long[] sorted(List<Long> values) {
        long[] a = new long[values.size()];
        for (int i = 0; i < a.length; i++) {
            a[i] = values.get(i);
        }
        Arrays.sort(a);
        return a;
    }

    private String target() {
        return config.host() + ":" + config.port();
    }

    /** A RESP2 command as bytes. */
    static byte[] resp(String... args) {
        StringBuilder sb = new StringBuilder().append('*').append(args.length).append("\r\n");
        for (String a : args) {
            byte[] bytes = a.getBytes(StandardCharsets.UTF_8);
            sb.append('$').append(bytes.length).append("\r\n").append(a).append("\r\n");
        }
        return sb.toString().getBytes(StandardCharsets.UTF_8);
    }
}
