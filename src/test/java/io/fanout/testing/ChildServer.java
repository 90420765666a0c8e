package io.fanout.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code fanout serve} in a child JVM started from the test's own classpath (no jar build),
 * for attacks that need a small heap or a low file-descriptor limit of their own. Output goes
 * to a file (a pipe would race the last lines at exit); ports come from the [LISTEN] lines.
 * {@link #close} kills the child if it is still running.
 */
public final class ChildServer implements AutoCloseable {
    private static final Pattern LISTEN = Pattern.compile("\\[LISTEN]\\s+proto=(\\w+) addr=[^:]+:(\\d+)");

    private final Process process;
    private final Path output;

    private ChildServer(Process process, Path output) {
        this.process = process;
        this.output = output;
    }

    /**
     * @param fdLimit    {@code ulimit -n} for the child (0 = inherit)
     * @param jvmOptions e.g. {@code -Xmx64m}
     * @param serveArgs  options of {@code fanout serve}
     */
    public static ChildServer start(Path dir, int fdLimit, List<String> jvmOptions, String... serveArgs)
            throws IOException {
        List<String> cmd = new ArrayList<>();
        if (fdLimit > 0) {
            cmd.add("bash");
            cmd.add("-c");
            cmd.add("ulimit -n " + fdLimit + " && exec \"$@\"");
            cmd.add("child");
        }
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(jvmOptions);
        cmd.add("-cp");
        cmd.add(mainClassesJar(dir) + java.io.File.pathSeparator + System.getProperty("java.class.path"));
        cmd.add("io.fanout.server.Main");
        cmd.add("serve");
        if (!List.of(serveArgs).contains("--http-port")) {
            cmd.addAll(List.of("--http-port", "-1")); // the browser listener's default 7080 may be taken
        }
        cmd.addAll(List.of(serveArgs));
        Path out = Files.createTempFile(dir, "child", ".out");
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(out.toFile()).start();
        ChildServer child = new ChildServer(p, out);
        try {
            Await.until(() -> child.port("line") > 0 || !p.isAlive(), Duration.ofSeconds(30),
                    () -> "the child's [LISTEN] line; so far: " + child.output());
            if (!p.isAlive()) {
                throw new AssertionError("the child exited with " + p.exitValue() + ": " + child.output());
            }
        } catch (RuntimeException | Error e) {
            child.close();
            throw e;
        }
        return child;
    }

    /**
     * target/classes as a jar, first on the child's classpath: a class loaded from a directory
     * opens a file each time, which fails when the child is out of descriptors (the product
     * runs from its jar, which stays open).
     */
    private static Path mainClassesJar(Path dir) throws IOException {
        Path classes = Path.of(System.getProperty("user.dir"), "target", "classes");
        Path jar = dir.resolve("fanout-classes.jar");
        try (java.util.jar.JarOutputStream out = new java.util.jar.JarOutputStream(Files.newOutputStream(jar));
             java.util.stream.Stream<Path> files = Files.walk(classes)) {
            for (Path f : (Iterable<Path>) files.filter(Files::isRegularFile)::iterator) {
                out.putNextEntry(new java.util.jar.JarEntry(classes.relativize(f).toString().replace('\\', '/')));
                out.write(Files.readAllBytes(f));
                out.closeEntry();
            }
        }
        return jar;
    }

    public Process process() {
        return process;
    }

    /** Everything the child printed so far. */
    public String output() {
        try {
            return Files.readString(output, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The port the child listens on for {@code proto} (line, resp), or 0 before its [LISTEN] line. */
    public int port(String proto) {
        Matcher m = LISTEN.matcher(output());
        while (m.find()) {
            if (m.group(1).equals(proto)) {
                return Integer.parseInt(m.group(2));
            }
        }
        return 0;
    }

    /** Where the child listens for {@code proto}, waiting for its [LISTEN] line. */
    public InetSocketAddress address(String proto) {
        Await.until(() -> port(proto) > 0 || !process.isAlive(), Duration.ofSeconds(30),
                () -> "a [LISTEN] line for " + proto + "; so far: " + output());
        return new InetSocketAddress("127.0.0.1", port(proto));
    }

    /** Lines of the output that contain {@code text}. */
    public long countLines(String text) {
        return output().lines().filter(l -> l.contains(text)).count();
    }

    @Override
    public void close() {
        process.destroyForcibly();
        try {
            process.waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
