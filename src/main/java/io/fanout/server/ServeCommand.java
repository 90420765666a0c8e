package io.fanout.server;

import java.io.IOException;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import io.fanout.policy.SlowPolicyMode;
import io.fanout.policy.SlowPolicySettings;

/** {@code fanout serve}: parses options into a {@link ServerConfig}, runs until SIGTERM/Ctrl-C. */
@Command(name = "serve", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = "Run the server (the default when no command is given).",
        sortOptions = false, showDefaultValues = true)
public final class ServeCommand implements Callable<Integer> {

    @Option(names = "--bind", paramLabel = "HOST", description = "Address every listener binds to.")
    String bind = "127.0.0.1";

    @Option(names = "--port", paramLabel = "PORT", description = "Line-protocol port (0 = any free port).")
    int port = 7000;

    @Option(names = "--resp-port", paramLabel = "PORT", description = "Redis-protocol (RESP) port (0 = any free port, -1 = off).")
    int respPort = 7379;

    @Option(names = "--metrics-port", paramLabel = "PORT", description = "Prometheus /metrics and /healthz port (0 = any free port, -1 = off).")
    int metricsPort = 7090;

    @Option(names = "--http-port", paramLabel = "PORT",
            description = "HTTP port for browsers: live page, WebSocket /ws, SSE /sse, POST /publish, /stats (0 = any free port, -1 = off).")
    int httpPort = 7080;

    @Option(names = "--allowed-origins", paramLabel = "LIST",
            description = "Comma list of Origins allowed to open a WebSocket (e.g. https://chat.example.com); default: any.")
    String allowedOrigins;

    @Option(names = "--ping-interval", paramLabel = "DURATION",
            description = "WebSocket ping / SSE comment interval; a WebSocket silent for a whole interval after a ping is closed (0 = off).")
    String pingInterval = "25s";

    @Option(names = "--io-threads", paramLabel = "N", description = "Event loops. 1 measured best on a 2-core box shared with its clients.")
    int ioThreads = 1;

    @Option(names = "--max-clients", paramLabel = "N", description = "Connections at once; the next is refused with an error.")
    int maxClients = 10_000;

    @Option(names = "--max-message", paramLabel = "SIZE",
            description = "Largest message: one line, RESP bulk string or WebSocket message.")
    String maxMessage = "1mb";

    @Option(names = "--requirepass", paramLabel = "PASSWORD", description = "Password every client must give first (RESP AUTH; line: first line AUTH <password>).")
    String requirePass;

    @Option(names = "--line-channel", paramLabel = "NAME", description = "Broker channel line clients publish to and receive from.")
    String lineChannel = "broadcast";

    @Option(names = "--slow-threshold", paramLabel = "SIZE",
            description = "Hard limit on one client's backlog; over it after a write attempt, the client is cut.")
    String slowThreshold = "1mb";

    @Option(names = "--soft-limit", paramLabel = "SIZE",
            description = "Soft backlog limit (0 = off); cut when over it for --soft-seconds without a break.")
    String softLimit = "0";

    @Option(names = "--soft-seconds", paramLabel = "DURATION",
            description = "How long a backlog may stay over --soft-limit.")
    String softSeconds = "10s";

    @Option(names = "--write-deadline", paramLabel = "DURATION",
            description = "Cut a client whose socket accepted no byte of its backlog for this long (0 = off).")
    String writeDeadline = "0";

    @Option(names = "--max-pending-total", paramLabel = "SIZE",
            description = "Budget for all backlogs together (0 = off); over it, the largest are cut first.")
    String maxPendingTotal = "0";

    @Option(names = "--slow-policy", paramLabel = "POLICY",
            description = "disconnect | drop-oldest: what happens over --slow-threshold.")
    String slowPolicy = "disconnect";

    @Option(names = "--producer-stall", paramLabel = "DURATION",
            description = "Pause reading a publisher this long while a subscriber it feeds is over 75%% of --slow-threshold (0 = off).")
    String producerStall = "0";

    @Option(names = "--so-sndbuf", paramLabel = "SIZE",
            description = "SO_SNDBUF for client sockets (0 = kernel default); small values make slow clients visible sooner.")
    String socketSendBuffer = "0";

    @Option(names = "--shutdown-drain", paramLabel = "DURATION",
            description = "On SIGTERM/Ctrl-C, how long queued output may drain before connections close.")
    String shutdownDrain = "2s";

    @Option(names = "--log-level", paramLabel = "LEVEL", description = "info | debug | trace.")
    String logLevel = "info";

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        ServerConfig config = toConfig();
        Logging.setLevel(logLevel);
        FanoutServer server;
        try {
            server = FanoutServer.start(config);
        } catch (IOException e) {
            System.err.println("fanout: " + e.getMessage());
            return 1;
        }
        Thread hook = new Thread(server::close, "fanout-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        server.awaitTermination(Long.MAX_VALUE, TimeUnit.DAYS);
        return 0;
    }

    /** Validates option values together; throws picocli's ParameterException with a clear text. */
    ServerConfig toConfig() {
        checkPort("--port", port, false);
        checkPort("--resp-port", respPort, true);
        checkPort("--metrics-port", metricsPort, true);
        checkPort("--http-port", httpPort, true);
        positive("--io-threads", ioThreads);
        if (ioThreads > 64) {
            fail("--io-threads must be at most 64, got " + ioThreads);
        }
        positive("--max-clients", maxClients);
        long maxMessageBytes = size("--max-message", maxMessage);
        if (maxMessageBytes < 1 || maxMessageBytes > 512L << 20) {
            fail("--max-message must be between 1 and 512mb, got " + maxMessage);
        }
        long hard = size("--slow-threshold", slowThreshold);
        if (hard < 1) {
            fail("--slow-threshold must be at least 1 byte, got " + slowThreshold);
        }
        long sndbuf = size("--so-sndbuf", socketSendBuffer);
        if (sndbuf > Integer.MAX_VALUE) {
            fail("--so-sndbuf is too large: " + socketSendBuffer);
        }
        if (!Logging.isValidLevel(logLevel)) {
            fail("--log-level must be info, debug or trace (also: warn, error), got '" + logLevel + "'");
        }
        if (requirePass != null && requirePass.isEmpty()) {
            fail("--requirepass must not be empty");
        }
        if (lineChannel.isEmpty()) {
            fail("--line-channel must not be empty");
        }
        SlowPolicySettings slow = new SlowPolicySettings(hard, size("--soft-limit", softLimit),
                duration("--soft-seconds", softSeconds), duration("--write-deadline", writeDeadline),
                size("--max-pending-total", maxPendingTotal), mode(slowPolicy), duration("--producer-stall", producerStall));
        return new ServerConfig(bind, port, respPort, metricsPort, ioThreads, maxClients, (int) maxMessageBytes,
                requirePass, lineChannel, slow, (int) sndbuf, duration("--shutdown-drain", shutdownDrain) / 1_000_000L,
                webConfig());
    }

    private WebConfig webConfig() {
        java.util.Set<String> origins = null;
        if (allowedOrigins != null && !allowedOrigins.isBlank() && !allowedOrigins.trim().equals("*")) {
            origins = new java.util.LinkedHashSet<>();
            for (String o : allowedOrigins.split(",")) {
                String v = o.trim().toLowerCase(java.util.Locale.ROOT);
                if (v.endsWith("/")) {
                    v = v.substring(0, v.length() - 1);
                }
                if (!v.isEmpty()) {
                    origins.add(v);
                }
            }
            origins = java.util.Set.copyOf(origins);
        }
        long ping = duration("--ping-interval", pingInterval);
        if (ping != 0 && ping < 1_000_000_000L) {
            fail("--ping-interval must be 0 (off) or at least 1s, got " + pingInterval);
        }
        return new WebConfig(httpPort, origins, ping);
    }

    private long size(String name, String text) {
        try {
            return Sizes.parseSize(text);
        } catch (IllegalArgumentException e) {
            fail(name + ": " + e.getMessage());
            return 0;
        }
    }

    private SlowPolicyMode mode(String text) {
        try {
            return SlowPolicyMode.parse(text);
        } catch (IllegalArgumentException e) {
            fail("--slow-policy: " + e.getMessage());
            return null;
        }
    }

    private long duration(String name, String text) {
        try {
            return Sizes.parseDurationNanos(text);
        } catch (IllegalArgumentException e) {
            fail(name + ": " + e.getMessage());
            return 0;
        }
    }

    private void checkPort(String name, int value, boolean allowOff) {
        if (value > 65535 || value < (allowOff ? -1 : 0)) {
            fail(name + " must be a port number 0-65535" + (allowOff ? " or -1 (off)" : "") + ", got " + value);
        }
    }

    private void positive(String name, long value) {
        if (value < 1) {
            fail(name + " must be at least 1, got " + value);
        }
    }

    private void fail(String message) {
        throw new CommandLine.ParameterException(spec.commandLine(), message);
    }
}
