package io.fanout.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import io.fanout.testing.Await;
import io.fanout.testing.LineClient;

/**
 * Black box: the real {@code ./fanout} launcher as a user runs it. The first call may build
 * the jar (the launcher does so when it is missing or older than the sources), so it may
 * take minutes; without {@code mvn} on PATH the launcher cannot build and the class is skipped.
 *
 * <p>The process writes to files, not pipes: the JDK drains and closes a pipe when the
 * process exits, racing a reader for the last lines (the ones a shutdown logs).
 */
@Tag("process")
@Timeout(value = 8, unit = TimeUnit.MINUTES)
class LauncherTest {
    private static final Duration BUILD_ALLOWANCE = Duration.ofMinutes(3);
    private static final Pattern LISTEN_LINE =
            Pattern.compile("\\[LISTEN]\\s+proto=line addr=127\\.0\\.0\\.1:(\\d+)");
    private static final File ROOT = new File(System.getProperty("user.dir"));

    @TempDir
    Path tmp;
    private final List<Process> started = new ArrayList<>();

    @BeforeAll
    static void needsMavenToBuildTheJar() {
        boolean mvnOnPath = false;
        for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            if (new File(dir, "mvn").canExecute()) {
                mvnOnPath = true;
            }
        }
        Assumptions.assumeTrue(mvnOnPath, "mvn is not on PATH: the launcher could not build the jar");
        Assumptions.assumeTrue(new File(ROOT, "fanout").canExecute(), "no ./fanout in " + ROOT);
    }

    @AfterEach
    void endWhatWeStarted() {
        for (Process p : started) {
            p.descendants().forEach(ProcessHandle::destroyForcibly); // a build the launcher started
            p.destroyForcibly();
        }
    }

    /**
     * Starts {@code ./fanout args...}: stdout (the program's output and logs) to {@code output},
     * stderr (the launcher's build chatter, escape codes and all) to a file beside it.
     */
    private Process launch(Path output, String... args) throws IOException {
        List<String> command = new ArrayList<>();
        command.add("./fanout");
        Collections.addAll(command, args);
        Process p = new ProcessBuilder(command).directory(ROOT)
                .redirectOutput(output.toFile())
                .redirectError(output.resolveSibling(output.getFileName() + ".err").toFile()).start();
        started.add(p);
        return p;
    }

    private static String read(Path output) {
        try {
            return Files.readString(output, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Both streams, for failure messages. */
    private static String both(Path output) {
        Path err = output.resolveSibling(output.getFileName() + ".err");
        return "stdout: " + read(output) + (Files.exists(err) ? "\nstderr: " + read(err) : "");
    }

    @Test
    void versionPrintsTheNameAndExitsWith0() throws Exception {
        Path output = tmp.resolve("version.out");
        Process p = launch(output, "--version");
        assertTrue(p.waitFor(BUILD_ALLOWANCE.toSeconds(), TimeUnit.SECONDS), "./fanout --version did not finish");
        assertEquals(0, p.exitValue(), both(output));
        assertTrue(read(output).lines().anyMatch(l -> l.startsWith("fanout ")), both(output));
    }

    @Test
    void serveOnPort0SaysWhereItListensBroadcastsAndStopsOnSigterm() throws Exception {
        Path output = tmp.resolve("serve.out");
        Process p = launch(output, "serve", "--port", "0", "--resp-port", "-1", "--metrics-port", "-1",
                "--http-port", "0");

        Await.until(() -> LISTEN_LINE.matcher(read(output)).find() || !p.isAlive(), BUILD_ALLOWANCE,
                () -> "a [LISTEN] line for the line protocol; so far " + both(output));
        Matcher listen = LISTEN_LINE.matcher(read(output));
        assertTrue(listen.find(), "fanout exited before listening; " + both(output));
        int port = Integer.parseInt(listen.group(1));
        assertTrue(port > 0, "a real port, not 0");

        try (LineClient client = LineClient.connect(new InetSocketAddress("127.0.0.1", port))) {
            client.send("hello through the launcher");
            assertEquals("hello through the launcher", client.readLine());

            p.destroy(); // SIGTERM
            assertTrue(p.waitFor(10, TimeUnit.SECONDS), "fanout still running 10 s after SIGTERM");
            assertEquals(0, client.readUntilClosed().length, "the client sees the server close");
        }
        String all = read(output);
        assertTrue(all.contains("proto=http addr=127.0.0.1:"), "the browser listener on a free port: " + all);
        assertTrue(all.contains("[STOP]") && all.contains("reason=shutdown"),
                "SIGTERM went through the orderly shutdown that closes clients; output: " + all);
    }
}
