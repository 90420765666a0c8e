package io.fanout.bench;

import java.io.PrintWriter;
import java.util.Locale;
import java.util.concurrent.Callable;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code fanout bench}: a load generator for fanout and for Redis Pub/Sub alike, like
 * {@code redis-benchmark}. Parses and checks the options into a {@link BenchConfig}, runs
 * {@link BenchRun}, prints the summary (or one JSON object with {@code --json}).
 *
 * <p>Exit codes: 0 a completed run (whatever it found, cut subscribers included), 1 could
 * not connect or subscribe, 2 bad options.
 */
@Command(name = "bench", mixinStandardHelpOptions = true, versionProvider = BenchCommand.Version.class,
        description = {"Load generator for fanout and Redis Pub/Sub: N subscribers, P publishers, end-to-end "
                + "latency, lost/reordered/duplicated messages, stalled subscribers.",
            "Examples: fanout bench --subscribers 100 --duration 10s    (fanout, RESP)",
            "          fanout bench --port 6379 --json                  (Redis)",
            "          fanout bench --proto line --mode open --rate 20k (fanout, line)"},
        sortOptions = false, showDefaultValues = true)
public final class BenchCommand implements Callable<Integer> {

    @Option(names = "--host", paramLabel = "HOST", description = "Server address.")
    String host = "127.0.0.1";

    @Option(names = "--port", paramLabel = "PORT",
            description = "Server port (default: 7379 for resp, 7000 for line, 7080 for ws and sse; Redis is 6379).")
    Integer port;

    @Option(names = "--proto", paramLabel = "PROTO",
            description = "resp | line | ws (raw WebSocket on /ws/<--channel>) | sse (subscribers on /sse/<--channel>, publishers on the WebSocket).")
    String proto = "resp";

    @Option(names = "--subscribers", paramLabel = "N", description = "Subscribers that read everything.")
    int subscribers = 100;

    @Option(names = "--publishers", paramLabel = "P", description = "Publisher connections (one thread drives them all).")
    int publishers = 1;

    @Option(names = "--payload", paramLabel = "SIZE",
            description = "Message size in bytes (64, 1kb); at least " + PayloadHeader.BYTES + " for the header.")
    String payload = "64";

    @Option(names = "--duration", paramLabel = "DURATION", description = "Measured phase (500ms, 10s).")
    String duration = "10s";

    @Option(names = "--warmup", paramLabel = "DURATION", description = "Publishing before the measured phase; nothing is recorded.")
    String warmup = "2s";

    @Option(names = "--channel", paramLabel = "NAME", description = "RESP channel; ws: the path /ws/<channel> (line clients use the server's --line-channel).")
    String channel = "bench";

    @Option(names = "--mode", paramLabel = "MODE",
            description = "closed: as fast as --window and --max-lag allow; open: a fixed --rate (honest latency).")
    String mode = "closed";

    @Option(names = "--rate", paramLabel = "MSGS", description = "Open loop: messages per second over all publishers (50000, 50k).")
    String rate = "0";

    @Option(names = "--window", paramLabel = "N", description = "Closed loop, RESP: PUBLISH replies outstanding per publisher.")
    int window = 64;

    @Option(names = "--max-lag", paramLabel = "N|SIZE",
            description = "Closed loop: pause publishing while the slowest healthy subscriber trails by this many messages, "
                    + "or by this many bytes of messages when given as a size (512kb); 0 = no cap. The default stays "
                    + "under fanout's default 1mb slow threshold, so the bench's own buffering never gets a healthy "
                    + "subscriber cut.")
    String maxLag = "512kb";

    @Option(names = "--stalled", paramLabel = "K",
            description = "Extra subscribers that subscribe and never read (SO_RCVBUF " + BenchRun.STALLED_RECEIVE_BUFFER + ").")
    int stalled = 0;

    @Option(names = "--json", description = "Print one JSON object instead of the summary.")
    boolean json;

    @Option(names = "--connect-timeout", paramLabel = "DURATION",
            description = "Deadline for all connections, and again for all subscriptions.")
    String connectTimeout = "5s";

    @Option(names = "--drain", paramLabel = "DURATION",
            description = "After publishing stops, how long to wait for in-flight messages (and again for stalled subscribers).")
    String drain = "2s";

    @Option(names = "--sub-threads", paramLabel = "N", description = "Selector threads reading the subscribers.")
    int subThreads = 1;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        BenchConfig config = toConfig();
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        try {
            BenchResult result = BenchRun.execute(config);
            out.print(json ? result.toJson() + "\n" : result.toHuman());
            out.flush();
            return 0;
        } catch (BenchException e) {
            err.println("fanout bench: " + e.getMessage());
            err.flush();
            return e.exitCode();
        }
    }

    /** Validates the options together; bad ones throw picocli's ParameterException (exit 2). */
    BenchConfig toConfig() {
        BenchConfig.Proto p = parseEnum(BenchConfig.Proto.class, "--proto", proto);
        BenchConfig.Mode m = parseEnum(BenchConfig.Mode.class, "--mode", mode);
        int resolvedPort = port == null ? p.defaultPort : port;
        if (resolvedPort < 1 || resolvedPort > 65535) {
            fail("--port must be 1-65535, got " + resolvedPort);
        }
        if (host.isBlank()) {
            fail("--host must not be empty");
        }
        range("--subscribers", subscribers, 0, 100_000);
        range("--publishers", publishers, 1, 1_000);
        range("--stalled", stalled, 0, 100_000);
        range("--window", window, 1, 1_000_000);
        range("--sub-threads", subThreads, 1, 64);
        long payloadBytes = parse("--payload", payload, true);
        if (payloadBytes < PayloadHeader.BYTES || payloadBytes > 64L << 20) {
            fail("--payload must be between " + PayloadHeader.BYTES + " (the header) and 64mb, got " + payload);
        }
        long durationNanos = parseDuration("--duration", duration);
        if (durationNanos <= 0) {
            fail("--duration must be more than 0");
        }
        long rateValue = parse("--rate", rate, false);
        if (m == BenchConfig.Mode.OPEN && rateValue <= 0) {
            fail("--mode open needs --rate (messages per second over all publishers)");
        }
        if (m == BenchConfig.Mode.CLOSED && rateValue != 0) {
            fail("--rate applies to --mode open only");
        }
        if (channel.isEmpty() || channel.indexOf('\r') >= 0 || channel.indexOf('\n') >= 0) {
            fail("--channel must be a non-empty name without CR or LF");
        }
        long setup = parseDuration("--connect-timeout", connectTimeout);
        if (setup <= 0) {
            fail("--connect-timeout must be more than 0");
        }
        BenchConfig config = new BenchConfig(host, resolvedPort, p, subscribers, publishers, (int) payloadBytes,
                durationNanos, parseDuration("--warmup", warmup), channel, m, rateValue, window, 0, stalled, setup,
                parseDuration("--drain", drain), subThreads);
        return config.withMaxLag(maxLagMessages(config));
    }

    /** --max-lag as messages: a plain number is a count, a size is divided by the delivered frame size. */
    private long maxLagMessages(BenchConfig config) {
        String s = maxLag.trim().toLowerCase(Locale.ROOT);
        if (!s.isEmpty() && s.chars().allMatch(Character::isDigit)) {
            return digits("--max-lag", maxLag, s);
        }
        long bytes = parse("--max-lag", maxLag, true);
        return bytes == 0 ? 0 : Math.max(1, bytes / config.deliveryFrameBytes());
    }

    private <E extends Enum<E>> E parseEnum(Class<E> type, String name, String text) {
        try {
            return Enum.valueOf(type, text.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            StringBuilder allowed = new StringBuilder();
            for (E v : type.getEnumConstants()) {
                allowed.append(allowed.length() == 0 ? "" : " | ").append(v.name().toLowerCase(Locale.ROOT));
            }
            fail(name + " must be " + allowed + ", got '" + text + "'");
            return null;
        }
    }

    private void range(String name, long value, long min, long max) {
        if (value < min || value > max) {
            fail(name + " must be between " + min + " and " + max + ", got " + value);
        }
    }

    /**
     * A count or size: digits with an optional suffix; sizes take b, k/kb, m/mb (powers of
     * 1024), counts take k and m (powers of 1000).
     */
    private long parse(String name, String text, boolean bytes) {
        String s = text.trim().toLowerCase(Locale.ROOT);
        long unit = 1;
        long kilo = bytes ? 1024 : 1000;
        String[] suffixes = bytes ? new String[] {"kb", "mb", "k", "m", "b"} : new String[] {"k", "m"};
        long[] units = bytes ? new long[] {kilo, kilo * kilo, kilo, kilo * kilo, 1} : new long[] {kilo, kilo * kilo};
        for (int i = 0; i < suffixes.length; i++) {
            if (s.endsWith(suffixes[i])) {
                unit = units[i];
                s = s.substring(0, s.length() - suffixes[i].length()).trim();
                break;
            }
        }
        return digits(name, text, s) * unit;
    }

    /** 500ms, 10s, 2m, or a plain number of seconds. */
    private long parseDuration(String name, String text) {
        String s = text.trim().toLowerCase(Locale.ROOT);
        long unit = 1_000_000_000L;
        if (s.endsWith("ms")) {
            unit = 1_000_000L;
            s = s.substring(0, s.length() - 2);
        } else if (s.endsWith("s")) {
            s = s.substring(0, s.length() - 1);
        } else if (s.endsWith("m")) {
            unit = 60_000_000_000L;
            s = s.substring(0, s.length() - 1);
        }
        return digits(name, text, s.trim()) * unit;
    }

    private long digits(String name, String original, String s) {
        if (s.isEmpty() || s.length() > 12 || !s.chars().allMatch(Character::isDigit)) {
            fail(name + ": invalid value '" + original + "'");
        }
        return Long.parseLong(s);
    }

    private void fail(String message) {
        throw new CommandLine.ParameterException(spec.commandLine(), message);
    }

    /** Version from the jar manifest, or "dev" when run from classes. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = BenchCommand.class.getPackage().getImplementationVersion();
            return new String[] {"fanout bench " + (v == null ? "dev" : v)};
        }
    }
}
