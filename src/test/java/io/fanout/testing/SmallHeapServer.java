package io.fanout.testing;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code fanout serve} in a child JVM of its own (every listener on a free port; {@link ChildServer}
 * is the variant with a descriptor limit), for attacks that must meet a small,
 * deterministic heap ({@code -Xmx128m}) without risking the test JVM: every listener on a
 * free loopback port, the real addresses read from the {@code [LISTEN]} lines. Output goes
 * to a file (not a pipe, which the JDK races to close at exit). {@link #close} kills it.
 */
public final class SmallHeapServer implements AutoCloseable {
    private static final Pattern LISTEN = Pattern.compile("\\[LISTEN]\\s+proto=(\\w+) addr=127\\.0\\.0\\.1:(\\d+)");

    private final Process process;
    private final Path log;
    private final Map<String, Integer> ports;

    private SmallHeapServer(Process process, Path log, Map<String, Integer> ports) {
        this.process = process;
        this.log = log;
        this.ports = ports;
    }

    /**
     * Starts the server with these JVM options and {@code serve} options (ports are added:
     * line, RESP and metrics on port 0) and waits for its three {@code [LISTEN]} lines.
     */
    public static SmallHeapServer start(Path dir, List<String> jvmOptions, String... serveOptions) throws IOException {
        Path log = Files.createTempFile(dir, "fanout-child", ".log");
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(jvmOptions);
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add("io.fanout.server.Main");
        command.addAll(List.of("serve", "--port", "0", "--resp-port", "0", "--metrics-port", "0", "--http-port", "-1"));
        command.addAll(List.of(serveOptions));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        Map<String, Integer> ports = new HashMap<>();
        SmallHeapServer child = new SmallHeapServer(p, log, ports);
        try {
            Await.until(() -> {
                ports.putAll(readPorts(log));
                return ports.size() >= 3 || !p.isAlive();
            }, Duration.ofSeconds(30), () -> "three [LISTEN] lines in " + log);
            if (!p.isAlive()) {
                throw new IOException("child server exited with " + p.exitValue() + ": " + child.output());
            }
        } catch (IOException | RuntimeException | Error e) {
            child.close();
            throw e;
        }
        return child;
    }

    private static Map<String, Integer> readPorts(Path log) {
        Map<String, Integer> found = new HashMap<>();
        try {
            Matcher m = LISTEN.matcher(Files.readString(log, StandardCharsets.UTF_8));
            while (m.find()) {
                found.put(m.group(1), Integer.parseInt(m.group(2)));
            }
        } catch (IOException e) {
            // Not written yet.
        }
        return found;
    }

    public InetSocketAddress address(String proto) {
        return new InetSocketAddress("127.0.0.1", ports.get(proto));
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    public long pid() {
        return process.pid();
    }

    /** Everything the server printed so far. */
    public String output() {
        try {
            return Files.readString(log, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "(no output: " + e + ")";
        }
    }

    @Override
    public void close() {
        process.destroyForcibly();
        try {
            process.waitFor();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
