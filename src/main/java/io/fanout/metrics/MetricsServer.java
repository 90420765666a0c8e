package io.fanout.metrics;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;

import io.fanout.broker.Broker;
import io.fanout.engine.Addresses;
import io.fanout.engine.Engine;
import io.prometheus.metrics.exporter.httpserver.HTTPServer;
import io.prometheus.metrics.instrumentation.jvm.JvmBufferPoolMetrics;
import io.prometheus.metrics.instrumentation.jvm.JvmGarbageCollectorMetrics;
import io.prometheus.metrics.instrumentation.jvm.JvmMemoryMetrics;
import io.prometheus.metrics.instrumentation.jvm.JvmRuntimeInfoMetric;
import io.prometheus.metrics.instrumentation.jvm.ProcessMetrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;

/**
 * The operator's HTTP listener: {@code GET /metrics} in the Prometheus text format (or
 * OpenMetrics / protobuf when the scraper asks), {@code GET /healthz} answering {@code ok},
 * 404 for anything else.
 *
 * <p>The exposition, content negotiation and the HTTP server are Prometheus client_java's
 * ({@link HTTPServer} on the JDK's {@code com.sun.net.httpserver}); fanout only says what to
 * measure ({@link EngineMetrics}) and routes the other paths.
 *
 * <p>Slow and unfinished requests: the JDK server reads each request on a pool thread, so
 * a client that sends half a request holds a thread until it finishes. Three guards keep
 * such clients from blocking {@code /healthz} (an orchestrator would restart a healthy
 * server): a request must arrive whole within {@link #REQUEST_SECONDS} and its response be
 * taken within {@link #RESPONSE_SECONDS} or the connection is closed (checked every second);
 * {@link #HTTP_THREADS} threads, so a few stuck requests (or a slow scrape) leave threads
 * for liveness; at most {@link #MAX_CONNECTIONS} connections at once. The JDK reads these
 * settings from system properties once, when its server class loads, so this class sets
 * them (unless given with {@code -D}) before any server exists.
 *
 * <p>Threads: requests run on this server's own small daemon pool, never on an event loop.
 * Every value is read when a scrape asks for it, from racy snapshots the loops publish
 * anyway, so the loops do not know this server exists. Lifecycle: {@link #start} binds and
 * serves; {@link #close} (idempotent, any thread) stops listening and ends the threads.
 */
public final class MetricsServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger("fanout.metrics");
    /**
     * Scrapes are rare and short, but a thread is held by every unfinished request until
     * {@link #REQUEST_SECONDS} pass: 16 threads let /healthz answer beside 15 of them.
     */
    static final int HTTP_THREADS = 16;
    /** Connections at once (jdk.httpserver.maxConnections); the queue can hold a task for each. */
    static final int MAX_CONNECTIONS = 128;
    private static final int HTTP_QUEUE = MAX_CONNECTIONS;
    /** A request (head and body) must arrive within this many seconds of its first byte. */
    static final int REQUEST_SECONDS = 5;
    /** A response must be taken by the client within this many seconds. */
    static final int RESPONSE_SECONDS = 10;

    static {
        setIfAbsent("sun.net.httpserver.maxReqTime", Integer.toString(REQUEST_SECONDS));
        setIfAbsent("sun.net.httpserver.maxRspTime", Integer.toString(RESPONSE_SECONDS));
        setIfAbsent("jdk.httpserver.maxConnections", Integer.toString(MAX_CONNECTIONS));
    }

    private static void setIfAbsent(String property, String value) {
        if (System.getProperty(property) == null) {
            System.setProperty(property, value);
        }
    }

    private final HTTPServer http;
    private final ExecutorService executor;
    private final InetSocketAddress address;
    private final AtomicBoolean closed = new AtomicBoolean();

    private MetricsServer(HTTPServer http, ExecutorService executor, InetSocketAddress address) {
        this.http = http;
        this.executor = executor;
        this.address = address;
    }

    /**
     * Binds {@code bindHost:port} (port 0 picks a free port), starts serving and logs
     * {@code [LISTEN] proto=metrics} with the real address.
     *
     * @throws IOException if the address cannot be resolved or bound
     */
    public static MetricsServer start(String bindHost, int port, Engine engine, Broker broker) throws IOException {
        return start(bindHost, port, engine, broker, registry -> { });
    }

    /** As above, plus metrics of other parts (the cluster link) that {@code more} registers. */
    public static MetricsServer start(String bindHost, int port, Engine engine, Broker broker,
                                      java.util.function.Consumer<PrometheusRegistry> more) throws IOException {
        PrometheusRegistry registry = new PrometheusRegistry();
        EngineMetrics.register(registry, engine, broker);
        more.accept(registry);
        registerJvmMetrics(registry);
        InetAddress host = InetAddress.getByName(bindHost);
        ExecutorService executor = newExecutor();
        HTTPServer http;
        try {
            http = HTTPServer.builder()
                    .inetAddress(host)
                    .port(port)
                    .registry(registry)
                    .executorService(executor)
                    .defaultHandler(new FallbackHandler())
                    .registerHealthHandler(false) // ours is /healthz, not the library's /-/healthy
                    .buildAndStart();
        } catch (IOException | RuntimeException e) {
            executor.shutdownNow();
            throw new IOException("cannot listen for metrics on " + bindHost + ":" + port + ": " + e.getMessage(), e);
        }
        InetSocketAddress bound = new InetSocketAddress(host, http.getPort());
        LOG.info("[LISTEN]    proto=metrics addr={}", Addresses.listening(bindHost, bound));
        return new MetricsServer(http, executor, bound);
    }

    /** The address really bound (the free port chosen when asked for port 0). */
    public InetSocketAddress address() {
        return address;
    }

    /** Stops listening, drops open scrapes and waits briefly for the request threads to end. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        http.close(); // stops the JDK server (no grace period) and shuts the executor down
        try {
            if (!executor.awaitTermination(2, TimeUnit.SECONDS)) {
                executor.shutdownNow();
            }
        } catch (InterruptedException e) {
            executor.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }

    /**
     * The JVM and process metrics worth their cost to fanout: heap and pools, direct buffer
     * pools (the memory trap of a broadcaster), GC time, RSS, CPU and file descriptors.
     * Left out on purpose: thread states and deadlock detection (each scrape would stop every
     * thread, event loops included, at a safepoint), per-pool allocation counters (GC
     * listeners the library never removes) and native-memory tracking (off by default).
     * Not {@code JvmMetrics.register}: it pins every registry it sees in a static set.
     */
    private static void registerJvmMetrics(PrometheusRegistry registry) {
        JvmMemoryMetrics.builder().register(registry);
        JvmBufferPoolMetrics.builder().register(registry);
        JvmGarbageCollectorMetrics.builder().register(registry);
        JvmRuntimeInfoMetric.builder().register(registry);
        ProcessMetrics.builder().register(registry);
    }

    private static ExecutorService newExecutor() {
        // Daemon threads: the library starts the JDK's dispatcher thread from this pool, and
        // it inherits daemon status, so a forgotten close() never keeps the JVM alive. When
        // the queue is full the dispatcher answers the request itself (back-pressure).
        ThreadPoolExecutor pool = new ThreadPoolExecutor(HTTP_THREADS, HTTP_THREADS, 60, TimeUnit.SECONDS,
                new ArrayBlockingQueue<>(HTTP_QUEUE), new DaemonThreads(), new ThreadPoolExecutor.CallerRunsPolicy());
        pool.allowCoreThreadTimeOut(true);
        return pool;
    }

    /** Names request threads {@code fanout-metrics-N}, so thread dumps say who they are. */
    private static final class DaemonThreads implements ThreadFactory {
        private final AtomicInteger count = new AtomicInteger();

        @Override
        public Thread newThread(Runnable task) {
            Thread t = new Thread(task, "fanout-metrics-" + count.incrementAndGet());
            t.setDaemon(true);
            return t;
        }
    }

    /**
     * Everything that is not {@code /metrics}: {@code /healthz} and 404. The JDK server
     * routes every path without a more specific context here.
     */
    private static final class FallbackHandler implements HttpHandler {
        private static final byte[] OK = "ok\n".getBytes(StandardCharsets.US_ASCII);
        private static final byte[] NOT_FOUND = "not found\n".getBytes(StandardCharsets.US_ASCII);
        private static final byte[] NOT_ALLOWED = "method not allowed\n".getBytes(StandardCharsets.US_ASCII);

        @Override
        public void handle(HttpExchange exchange) throws IOException {
            try (InputStream body = exchange.getRequestBody()) {
                body.transferTo(OutputStream.nullOutputStream()); // lets keep-alive reuse the connection
                String method = exchange.getRequestMethod();
                boolean head = "HEAD".equals(method);
                if (!"/healthz".equals(exchange.getRequestURI().getPath())) {
                    respond(exchange, 404, NOT_FOUND, head);
                } else if (head || "GET".equals(method)) {
                    respond(exchange, 200, OK, head);
                } else {
                    exchange.getResponseHeaders().set("Allow", "GET, HEAD");
                    respond(exchange, 405, NOT_ALLOWED, false);
                }
            } finally {
                exchange.close();
            }
        }

        private static void respond(HttpExchange exchange, int status, byte[] body, boolean head) throws IOException {
            exchange.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
            if (head) {
                exchange.sendResponseHeaders(status, -1);
                return;
            }
            exchange.sendResponseHeaders(status, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        }
    }
}
