package io.fanout.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.slf4j.LoggerFactory;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.fanout.broker.TopicKind;
import io.fanout.broker.TopicName;
import io.fanout.engine.CloseReason;
import io.fanout.server.FanoutServer;
import io.fanout.server.ServerConfig;

/**
 * The metrics listener end to end: a real fanout in-process, real line clients on loopback
 * sockets, and scrapes over HTTP. Counters are racy snapshots of the loops, so assertions
 * that follow traffic poll the endpoint until it shows the expected value (or time out with
 * the last scrape in the message) instead of sleeping.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class MetricsServerTest {
    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private FanoutServer server;
    private MetricsServer metrics;
    private final List<LineSocket> clients = new ArrayList<>();

    @BeforeEach
    void start() throws IOException {
        startServer(ServerConfig.forTests().withRespPort(-1));
    }

    private void startServer(ServerConfig config) throws IOException {
        server = FanoutServer.start(config);
        metrics = MetricsServer.start("127.0.0.1", 0, server.engine(), server.broker());
    }

    @AfterEach
    void stop() throws Exception {
        for (LineSocket c : clients) {
            c.close();
        }
        clients.clear();
        InetSocketAddress address = metrics.address();
        metrics.close();
        server.close();
        // Leak check: the port no longer answers and no request thread is left behind.
        assertThrows(ConnectException.class, () -> new Socket(address.getAddress(), address.getPort()).close());
        awaitTrue(() -> Thread.getAllStackTraces().keySet().stream()
                .noneMatch(t -> t.getName().startsWith("fanout-metrics-")), "metrics threads to end");
    }

    @Test
    void scrapeCountsClientsMessagesAndDeliveries() throws Exception {
        LineSocket sender = connectLineClients(3).get(0);
        for (int i = 0; i < 5; i++) {
            sender.send("hello " + i);
        }
        for (LineSocket c : clients) {
            for (int i = 0; i < 5; i++) {
                assertEquals("hello " + i, c.readLine());
            }
        }

        Scrape s = awaitScrape(x -> x.value("fanout_deliveries_total") == 15);
        assertEquals(3, s.value("fanout_connected_clients{proto=\"line\"}"));
        assertEquals(3, s.value("fanout_connections_accepted_total"));
        assertEquals(0, s.value("fanout_connections_rejected_total"));
        assertEquals(5, s.value("fanout_messages_published_total"));
        assertEquals(15, s.value("fanout_deliveries_total"));
        long lineBytes = "hello 0\n".length();
        assertEquals(5 * lineBytes, s.value("fanout_bytes_read_total"));
        assertEquals(15 * lineBytes, s.value("fanout_bytes_written_total"));
        assertTrue(s.value("fanout_write_calls_total") >= 3, s.body);
        assertEquals(0, s.value("fanout_pending_bytes"));
        assertEquals(0, s.value("fanout_pending_bytes_max"));
        assertEquals(0, s.value("fanout_dropped_messages_total"));
        assertEquals(1, s.value("fanout_pubsub_topics{kind=\"channel\"}"));
        assertTrue(s.value("fanout_frame_pool_direct_bytes") > 0, s.body);
        assertTrue(s.value("fanout_input_budget_bytes") > 0, s.body);
        assertEquals(0, s.value("fanout_input_held_bytes"), "no partial request held");
        assertTrue(s.value("fanout_loop_turn_seconds_max{loop=\"0\"}") > 0, s.body);
        assertTrue(s.value("fanout_loop_turns_total{loop=\"0\"}") > 0, s.body);
        assertTrue(s.body.contains("# TYPE fanout_deliveries_total counter"), s.body);
        assertTrue(s.body.contains("# TYPE fanout_pending_bytes gauge"), s.body);
        assertTrue(s.contentType.startsWith("text/plain; version=0.0.4"), s.contentType);
    }

    @Test
    void largestBacklogOfOneStalledReaderIsPendingBytesMax() throws Exception {
        stop();
        startServer(ServerConfig.forTests().withRespPort(-1).withSocketSendBuffer(8192));
        LineSocket sender = connectLineClients(1).get(0);
        LineSocket stalled = new LineSocket(server.lineAddress(), 4096); // small window, never reads
        clients.add(stalled);
        TopicName channel = TopicName.of(server.config().lineChannel());
        awaitTrue(() -> server.broker().subscriberCount(TopicKind.CHANNEL, channel) == 2, "2 line clients subscribed");
        String line = "x".repeat(1023);
        for (int i = 0; i < 512; i++) { // 512 KiB: far more than the stalled socket's buffers, under 1 MiB
            sender.send(line);
        }

        // The two gauges are read a moment apart while the backlog still moves: wait until
        // the server has read every line and the stalled socket's buffers are full.
        Scrape s = awaitScrape(x -> x.value("fanout_bytes_read_total") == 512 * 1024
                && x.value("fanout_pending_bytes_max") >= 256 * 1024
                && x.value("fanout_pending_bytes_max") <= x.value("fanout_pending_bytes"));
        assertTrue(s.value("fanout_pending_bytes_max") <= 512 * 1024, s.body);
    }

    @Test
    void closedClientIsCountedByReason() throws Exception {
        List<LineSocket> three = connectLineClients(3);
        three.get(1).close();

        Scrape s = awaitScrape(x -> x.value("fanout_disconnects_total{reason=\"client-closed\"}") == 1);
        assertEquals(2, s.value("fanout_connected_clients{proto=\"line\"}"));
        for (CloseReason reason : CloseReason.values()) {
            if (reason != CloseReason.CLIENT_CLOSED) {
                assertEquals(0, s.value("fanout_disconnects_total{reason=\"" + reason.label() + "\"}"), reason.label());
            }
        }
    }

    @Test
    void everyCloseReasonAndEverySlowRuleIsExportedBeforeItHappens() throws Exception {
        Scrape s = scrape();
        for (CloseReason reason : CloseReason.values()) {
            assertEquals(0, s.value("fanout_disconnects_total{reason=\"" + reason.label() + "\"}"), reason.label());
        }
        Set<String> slow = Set.copyOf(s.keysStartingWith("fanout_slow_disconnects_total{"));
        assertEquals(Set.of(
                "fanout_slow_disconnects_total{reason=\"slow-hard\"}",
                "fanout_slow_disconnects_total{reason=\"slow-soft\"}",
                "fanout_slow_disconnects_total{reason=\"slow-deadline\"}",
                "fanout_slow_disconnects_total{reason=\"slow-budget\"}"), slow);
    }

    @Test
    void countersAreSummedOverLoopsAndTurnGaugesAreKeptPerLoop() throws Exception {
        stop();
        startServer(ServerConfig.forTests().withRespPort(-1).withIoThreads(2));
        LineSocket sender = connectLineClients(3).get(0);
        for (int i = 0; i < 5; i++) {
            sender.send("m" + i);
        }
        for (LineSocket c : clients) {
            for (int i = 0; i < 5; i++) {
                assertEquals("m" + i, c.readLine());
            }
        }

        Scrape s = awaitScrape(x -> x.value("fanout_deliveries_total") == 15);
        assertEquals(5, s.value("fanout_messages_published_total"));
        assertEquals(3, s.value("fanout_connections_accepted_total"));
        assertEquals(3, s.value("fanout_connected_clients{proto=\"line\"}"));
        assertEquals(List.of("fanout_loop_turn_seconds_last{loop=\"0\"}", "fanout_loop_turn_seconds_last{loop=\"1\"}"),
                s.keysStartingWith("fanout_loop_turn_seconds_last{"));
        assertEquals(List.of("fanout_loop_turn_seconds_max{loop=\"0\"}", "fanout_loop_turn_seconds_max{loop=\"1\"}"),
                s.keysStartingWith("fanout_loop_turn_seconds_max{"));
    }

    @Test
    void healthzAnswersOk() throws Exception {
        HttpResponse<String> r = get("/healthz");
        assertEquals(200, r.statusCode());
        assertEquals("ok\n", r.body());
    }

    @Test
    void unknownPathsAreNotFoundAndHealthzOnlyReads() throws Exception {
        assertEquals(404, get("/nope").statusCode());
        assertEquals(404, get("/").statusCode());
        assertEquals(404, get("/-/healthy").statusCode());
        HttpResponse<String> post = HTTP.send(HttpRequest.newBuilder(uri("/healthz"))
                .POST(HttpRequest.BodyPublishers.ofString("x")).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(405, post.statusCode());
    }

    @Test
    void jvmMetricsAreServedBesideFanoutMetrics() throws Exception {
        Scrape s = scrape();
        assertTrue(s.keysStartingWith("jvm_memory_used_bytes{").size() > 0, s.body);
        assertTrue(s.keysStartingWith("jvm_buffer_pool_used_bytes{").size() > 0, s.body);
        assertTrue(s.value("process_resident_memory_bytes") > 0, s.body);
        // Thread metrics would stop every thread at a safepoint on each scrape: left out.
        assertEquals(List.of(), s.keysStartingWith("jvm_threads_"));
        // A second server in the same JVM serves them too (nothing is registered process-wide).
        try (MetricsServer second = MetricsServer.start("127.0.0.1", 0, server.engine(), server.broker())) {
            HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(uri(second.address(), "/metrics")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertTrue(r.body().contains("jvm_memory_used_bytes{"), r.body());
        }
    }

    @Test
    void listenLogLineNamesTheRealAddress() throws Exception {
        Logger logger = (Logger) LoggerFactory.getLogger("fanout.metrics");
        ListAppender<ILoggingEvent> appender = new ListAppender<>();
        appender.start();
        logger.addAppender(appender);
        try (MetricsServer second = MetricsServer.start("127.0.0.1", 0, server.engine(), server.broker())) {
            assertTrue(second.address().getPort() > 0);
            List<String> lines = appender.list.stream().map(ILoggingEvent::getFormattedMessage).toList();
            assertEquals(List.of("[LISTEN]    proto=metrics addr=127.0.0.1:" + second.address().getPort()), lines);
        } finally {
            logger.detachAppender(appender);
        }
    }

    @Test
    void addressesAreFormattedAsTheEngineDoes() {
        assertEquals("127.0.0.1:7090", io.fanout.engine.Addresses.format(new InetSocketAddress("127.0.0.1", 7090)));
        assertEquals("[0:0:0:0:0:0:0:1]:7090", io.fanout.engine.Addresses.format(new InetSocketAddress("::1", 7090)));
    }

    @Test
    void busyPortFailsWithTheAddressInTheMessage() {
        int taken = metrics.address().getPort();
        IOException e = assertThrows(IOException.class,
                () -> MetricsServer.start("127.0.0.1", taken, server.engine(), server.broker()));
        assertTrue(e.getMessage().contains("127.0.0.1:" + taken), e.getMessage());
    }

    // ---- helpers ---------------------------------------------------------------------

    /** Connects {@code n} line clients and waits until all are subscribed to the line channel. */
    private List<LineSocket> connectLineClients(int n) throws IOException, InterruptedException {
        List<LineSocket> made = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            LineSocket c = new LineSocket(server.lineAddress());
            clients.add(c);
            made.add(c);
        }
        TopicName channel = TopicName.of(server.config().lineChannel());
        awaitTrue(() -> server.broker().subscriberCount(TopicKind.CHANNEL, channel) == n,
                n + " line clients subscribed");
        return made;
    }

    private Scrape awaitScrape(Predicate<Scrape> condition) throws Exception {
        long deadline = System.nanoTime() + WAIT.toNanos();
        Scrape last = scrape();
        while (!condition.test(last)) {
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("scrape never matched; last one:\n" + last.body);
            }
            Thread.sleep(5); // a polling interval, not a synchronisation
            last = scrape();
        }
        return last;
    }

    private static void awaitTrue(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.sleep(2); // a polling interval, not a synchronisation
        }
    }

    private Scrape scrape() throws Exception {
        HttpResponse<String> r = get("/metrics");
        assertEquals(200, r.statusCode(), r.body());
        return Scrape.parse(r.body(), r.headers().firstValue("Content-Type").orElse(""));
    }

    private HttpResponse<String> get(String path) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(uri(path)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private URI uri(String path) {
        return uri(metrics.address(), path);
    }

    private static URI uri(InetSocketAddress address, String path) {
        return URI.create("http://127.0.0.1:" + address.getPort() + path);
    }

    /** One scrape's samples, keyed by the series as written ({@code name{labels}}). */
    private static final class Scrape {
        final Map<String, Double> samples = new LinkedHashMap<>();
        final String body;
        final String contentType;

        private Scrape(String body, String contentType) {
            this.body = body;
            this.contentType = contentType;
        }

        static Scrape parse(String body, String contentType) {
            Scrape s = new Scrape(body, contentType);
            for (String line : body.split("\n")) {
                if (line.isEmpty() || line.startsWith("#")) {
                    continue;
                }
                int space = line.lastIndexOf(' ');
                s.samples.put(line.substring(0, space), Double.parseDouble(line.substring(space + 1)));
            }
            return s;
        }

        double value(String series) {
            Double v = samples.get(series);
            if (v == null) {
                throw new AssertionError("no series " + series + " in:\n" + body);
            }
            return v;
        }

        List<String> keysStartingWith(String prefix) {
            return samples.keySet().stream().filter(k -> k.startsWith(prefix)).toList();
        }
    }

    /** A raw line-protocol client: a blocking socket with a read timeout. */
    private static final class LineSocket implements AutoCloseable {
        private final Socket socket;
        private final BufferedReader in;
        private final OutputStream out;

        LineSocket(InetSocketAddress address) throws IOException {
            this(address, 0);
        }

        /** @param receiveBuffer SO_RCVBUF set before connecting, 0 = the kernel's default */
        LineSocket(InetSocketAddress address, int receiveBuffer) throws IOException {
            socket = new Socket();
            if (receiveBuffer > 0) {
                socket.setReceiveBufferSize(receiveBuffer);
            }
            socket.setSoTimeout(10_000);
            socket.connect(address, 5_000);
            in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
            out = socket.getOutputStream();
        }

        void send(String line) throws IOException {
            out.write((line + "\n").getBytes(StandardCharsets.UTF_8));
            out.flush();
        }

        String readLine() throws IOException {
            return in.readLine();
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }
}
