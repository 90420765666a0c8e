package io.fanout.server;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import io.fanout.policy.SlowPolicyMode;
import io.fanout.policy.SlowPolicySettings;
import io.fanout.protocol.resp.RespDecoder;

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

    @Option(names = "--io-threads", paramLabel = "N|auto",
            description = "Event loops; auto = half the processors this process may use (at least 1, at most "
                    + IoThreads.AUTO_MAX + "): one on a 2-core box, where one loop measured best.")
    String ioThreads = "auto";

    @Option(names = "--max-clients", paramLabel = "N", description = "Connections at once; the next is refused with an error.")
    int maxClients = 10_000;

    @Option(names = "--max-message", paramLabel = "SIZE",
            description = "Largest message: one line, RESP bulk string or WebSocket message.")
    String maxMessage = "1mb";

    // Never shown as a default in --help: it may come from FANOUT_REQUIREPASS or a config file.
    @Option(names = "--requirepass", paramLabel = "PASSWORD", showDefaultValue = CommandLine.Help.Visibility.NEVER,
            description = "Password every client must give first (RESP AUTH; line: first line AUTH <password>). "
                    + "Visible in ps: prefer --requirepass-file or FANOUT_REQUIREPASS.")
    String requirePass;

    @Option(names = "--requirepass-file", paramLabel = "FILE",
            description = "Read the password from FILE (its first line; keep the file mode 600).")
    Path requirePassFile;

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

    // ---- several nodes (io.fanout.cluster) ----
    @Option(names = "--cluster", paramLabel = "URI",
            description = "Join other nodes through Redis: redis://[user:pass@]host:port[/db], rediss://... (TLS), "
                    + "redis-cluster://host1:port1,host2:port2 (sharded pub/sub). Unset: one node.")
    String cluster;

    @Option(names = "--cluster-prefix", paramLabel = "PREFIX",
            description = "Put in front of every channel name in Redis, so deployments can share one Redis.")
    String clusterPrefix = io.fanout.cluster.ClusterConfig.DEFAULT_PREFIX;

    @Option(names = "--cluster-queue", paramLabel = "SIZE",
            description = "Bound of local messages waiting to be relayed to Redis; over it they are counted and not relayed.")
    String clusterQueue = "16mb";

    // ---- the read side and the edges of each connection (issue 8) ----

    @Option(names = "--max-input-total", paramLabel = "SIZE",
            description = "Budget for all partially received requests together; at it, the largest are cut first. "
                    + "auto = a quarter of the heap.")
    String maxInputTotal = "auto";

    @Option(names = "--tcp-keepalive", paramLabel = "DURATION",
            description = "TCP keepalive idle time on client sockets, so vanished peers are noticed (0 = off).")
    String tcpKeepAlive = "300s";

    @Option(names = "--auth-timeout", paramLabel = "DURATION",
            description = "With --requirepass: close clients that have not authenticated this long after connecting (0 = off).")
    String authTimeout = "10s";

    @Option(names = "--timeout", paramLabel = "DURATION",
            description = "Close clients idle this long, as Redis's timeout; never subscribers (0 = off).")
    String idleTimeout = "0";

    @Option(names = "--max-subscriptions-per-client", paramLabel = "N",
            description = "Channels, patterns and shard channels one RESP client may subscribe to; "
                    + "each one over it is answered with an error.")
    int maxSubscriptionsPerClient = ServerConfig.SubscriptionLimits.DEFAULTS.perClient();

    @Option(names = "--max-topics", paramLabel = "N",
            description = "Distinct channels, patterns and shard channels with a subscriber; a subscription "
                    + "that would create one more is refused with an error.")
    int maxTopics = ServerConfig.SubscriptionLimits.DEFAULTS.topics();

    @Option(names = "--max-subscriptions", paramLabel = "N",
            description = "Subscriptions of all clients together; past it, new ones are refused with an error.")
    int maxSubscriptions = ServerConfig.SubscriptionLimits.DEFAULTS.total();

    @Option(names = "--log-level", paramLabel = "LEVEL", description = "info | debug | trace.")
    String logLevel = "info";

    @Option(names = "--config", paramLabel = "FILE",
            description = "key = value lines with these long option names without dashes; "
                    + "command line > FANOUT_<OPTION> environment > this file > default.")
    Path configFile;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        ServerConfig config = toConfig();
        Logging.setLevel(logLevel);
        io.fanout.cluster.ClusterConfig clusterConfig = toClusterConfig();
        Shutdown shutdown = new Shutdown();
        shutdown.install(); // before the first [LISTEN] line: a supervisor may signal right after it
        FanoutServer server;
        try {
            server = FanoutServer.start(config, clusterConfig);
        } catch (IOException e) {
            System.err.println("fanout: " + e.getMessage());
            return 1;
        }
        shutdown.attach(server);
        if (awaitEnd(server)) {
            System.err.println("fanout: an event loop crashed (" + server.engine().crashCause() + "); exiting with "
                    + EXIT_LOOP_CRASHED);
            return EXIT_LOOP_CRASHED;
        }
        if (!shutdown.wasRequested()) {
            return 1; // the loops ended with nobody asking: never report that as success
        }
        return shutdown.awaitStopped() ? 0 : 1; // 0 after a clean SIGTERM / SIGINT drain
    }

    /** --io-threads as a number of loops: a count from 1 to 64, or auto (see {@link IoThreads}). */
    private int ioThreads() {
        try {
            return IoThreads.parse(ioThreads, Runtime.getRuntime().availableProcessors());
        } catch (IllegalArgumentException e) {
            fail(e.getMessage());
            return 1; // not reached: fail throws
        }
    }

    /** Exit status when an event loop crashed (sysexits EX_SOFTWARE): a supervisor restarts us. */
    static final int EXIT_LOOP_CRASHED = 70;

    /**
     * Waits until the loops end; true when one crashed. A crashed loop makes the engine stop
     * the others; if they do not finish within the drain time, the process exits all the same:
     * a crashed server must never linger half-alive, nor exit 0.
     */
    private static boolean awaitEnd(FanoutServer server) throws InterruptedException {
        while (!server.awaitTermination(1, TimeUnit.SECONDS)) {
            if (server.engine().crashCause() != null) {
                server.awaitTermination(server.config().drainMillis() + 5_000, TimeUnit.MILLISECONDS);
                break;
            }
        }
        return server.engine().crashCause() != null;
    }

    /** Validates option values together; throws picocli's ParameterException with a clear text. */
    ServerConfig toConfig() {
        checkPort("--port", port, false);
        checkPort("--resp-port", respPort, true);
        checkPort("--metrics-port", metricsPort, true);
        checkPort("--http-port", httpPort, true);
        int loops = ioThreads();
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
        String password = password();
        if (lineChannel.isEmpty()) {
            fail("--line-channel must not be empty");
        }
        SlowPolicySettings slow = new SlowPolicySettings(hard, size("--soft-limit", softLimit),
                duration("--soft-seconds", softSeconds), duration("--write-deadline", writeDeadline),
                size("--max-pending-total", maxPendingTotal), mode(slowPolicy), duration("--producer-stall", producerStall));
        positive("--max-subscriptions-per-client", maxSubscriptionsPerClient);
        positive("--max-topics", maxTopics);
        positive("--max-subscriptions", maxSubscriptions);
        return new ServerConfig(bind, port, respPort, metricsPort, loops, maxClients, (int) maxMessageBytes,
                password, lineChannel, slow, (int) sndbuf, duration("--shutdown-drain", shutdownDrain) / 1_000_000L,
                webConfig(), connectionLimits(maxMessageBytes),
                new ServerConfig.SubscriptionLimits(maxSubscriptionsPerClient, maxTopics, maxSubscriptions));
    }

    /**
     * The password from --requirepass or --requirepass-file, whichever comes from the stronger
     * source (command line > environment > config file); both from the same source is an error.
     */
    private String password() {
        ConfigSources.Source inline = source("--requirepass", requirePass != null);
        ConfigSources.Source fromFile = source("--requirepass-file", requirePassFile != null);
        if (inline == fromFile && inline != ConfigSources.Source.DEFAULT) {
            fail("--requirepass and --requirepass-file: give one of them, not both");
        }
        String password = requirePass;
        String name = "--requirepass";
        if (fromFile.compareTo(inline) > 0) {
            password = readPasswordFile();
            name = "--requirepass-file";
        }
        if (password != null && password.isEmpty()) {
            fail(name + from(name) + ": the password must not be empty");
        }
        return password;
    }

    /** The file's first line, without its line end: echo, printf and editors all work. */
    private String readPasswordFile() {
        String text;
        try {
            text = Files.readString(requirePassFile, StandardCharsets.UTF_8);
        } catch (IOException | RuntimeException e) {
            fail("--requirepass-file" + from("--requirepass-file") + ": cannot read " + requirePassFile + ": " + e);
            return null;
        }
        int end = text.indexOf('\n');
        String first = end < 0 ? text : text.substring(0, end);
        return first.endsWith("\r") ? first.substring(0, first.length() - 1) : first;
    }

    /** Where option {@code name} got its value; DEFAULT when {@code set} is false. */
    private ConfigSources.Source source(String name, boolean set) {
        if (!set) {
            return ConfigSources.Source.DEFAULT;
        }
        CommandLine.ParseResult parsed = spec.commandLine().getParseResult();
        if (parsed != null && parsed.hasMatchedOption(name)) {
            return ConfigSources.Source.COMMAND_LINE;
        }
        return spec.defaultValueProvider() instanceof ConfigSources s ? s.sourceOf(name.substring(2))
                : ConfigSources.Source.DEFAULT;
    }

    /** " (from environment FANOUT_X)" or " (from FILE:LINE)" when the value did not come from the command line. */
    private String from(String name) {
        CommandLine.ParseResult parsed = spec.commandLine().getParseResult();
        if (parsed != null && parsed.hasMatchedOption(name)
                || !(spec.defaultValueProvider() instanceof ConfigSources s)) {
            return "";
        }
        String where = s.describe(name.substring(2));
        return where == null ? "" : " (from " + where + ")";
    }

    /** The --cluster* options, or null for one node; throws picocli's ParameterException. */
    io.fanout.cluster.ClusterConfig toClusterConfig() {
        if (cluster == null || cluster.isBlank()) {
            return null;
        }
        io.fanout.cluster.ClusterUri uri;
        try {
            uri = io.fanout.cluster.ClusterUri.parse(cluster);
        } catch (IllegalArgumentException e) {
            fail("--cluster: " + e.getMessage());
            return null;
        }
        long queue = size("--cluster-queue", clusterQueue);
        if (queue < 1024) {
            fail("--cluster-queue must be at least 1kb, got " + clusterQueue);
        }
        return new io.fanout.cluster.ClusterConfig(uri, clusterPrefix, queue,
                io.fanout.cluster.ClusterConfig.DEFAULT_INBOUND_BYTES);
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

    private ConnectionLimits connectionLimits(long maxMessageBytes) {
        long inputTotal = 0;
        if (!maxInputTotal.equalsIgnoreCase("auto")) {
            inputTotal = size("--max-input-total", maxInputTotal);
            // One largest request must fit (a RESP command can carry two maximal bulks), or no
            // client could ever send one.
            long oneRequest = RespDecoder.maxRequestBytes(maxMessageBytes);
            if (inputTotal < oneRequest) {
                fail("--max-input-total must be at least twice --max-message plus 192kb (" + oneRequest
                        + " bytes) or auto, got " + maxInputTotal);
            }
        }
        return new ConnectionLimits(inputTotal, duration("--tcp-keepalive", tcpKeepAlive),
                duration("--auth-timeout", authTimeout), duration("--timeout", idleTimeout));
    }

    private long size(String name, String text) {
        try {
            return Sizes.parseSize(text);
        } catch (IllegalArgumentException e) {
            fail(name + from(name) + ": " + e.getMessage());
            return 0;
        }
    }

    private SlowPolicyMode mode(String text) {
        try {
            return SlowPolicyMode.parse(text);
        } catch (IllegalArgumentException e) {
            fail("--slow-policy" + from("--slow-policy") + ": " + e.getMessage());
            return null;
        }
    }

    private long duration(String name, String text) {
        try {
            return Sizes.parseDurationNanos(text);
        } catch (IllegalArgumentException e) {
            fail(name + from(name) + ": " + e.getMessage());
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
