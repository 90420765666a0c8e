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

    /**
     * Ctrl-C: a clean drain exits 0 (the JVM alone would say 130). Skipped when this process
     * inherited SIGINT as ignored (a background job of a non-interactive shell): the child then
     * ignores it too and no handler can be installed.
     */
    @Test
    void sigintAfterACleanDrainExitsWith0() throws Exception {
        Path output = tmp.resolve("sigint.out");
        Process p = launch(output, "--port", "0", "--resp-port", "-1", "--metrics-port", "-1");
        Await.until(() -> LISTEN_LINE.matcher(read(output)).find() || !p.isAlive(), BUILD_ALLOWANCE,
                () -> "a [LISTEN] line; so far " + both(output));
        assertTrue(p.isAlive(), both(output));
        Assumptions.assumeFalse(ignoresSigint(p.pid()), "SIGINT is ignored in this environment");
        new ProcessBuilder("kill", "-INT", Long.toString(p.pid())).start().waitFor();
        assertTrue(p.waitFor(10, TimeUnit.SECONDS), "fanout still running 10 s after SIGINT");
        assertEquals(0, p.exitValue(), both(output));
        assertTrue(read(output).contains("[STOP]      SIGINT received"), both(output));
    }

    /** Bit 2 (SIGINT) of the SigIgn mask in /proc/PID/status; false where there is no /proc. */
    private static boolean ignoresSigint(long pid) throws IOException {
        Path status = Path.of("/proc/" + pid + "/status");
        if (!Files.exists(status)) {
            return false;
        }
        for (String line : Files.readAllLines(status)) {
            if (line.startsWith("SigIgn:")) {
                return (Long.parseLong(line.substring(7).strip(), 16) & 0x2) != 0;
            }
        }
        return false;
    }

    /**
     * The launcher's build talks only through target/build.log: on success the terminal sees
     * one line and no escape code; on failure it sees the log. A copy of the launcher in a
     * scratch tree, with a fake {@code mvn} first on PATH that prints colour codes, keeps the
     * real tree untouched.
     */
    @Test
    void theBuildLogStaysInAFileUnlessTheBuildFails() throws Exception {
        Path jar = ROOT.toPath().resolve("target/fanout.jar");
        Process real = launch(tmp.resolve("real.out"), "--version"); // makes sure a real jar exists
        assertTrue(real.waitFor(BUILD_ALLOWANCE.toSeconds(), TimeUnit.SECONDS) && real.exitValue() == 0,
                both(tmp.resolve("real.out")));
        Path tree = Files.createDirectories(tmp.resolve("tree"));
        Files.copy(ROOT.toPath().resolve("fanout"), tree.resolve("fanout"));
        Files.createDirectories(tree.resolve("src/main"));
        Files.writeString(tree.resolve("pom.xml"), "<project/>");
        Path bin = Files.createDirectories(tmp.resolve("bin"));
        Path fakeMvn = bin.resolve("mvn");
        Files.writeString(fakeMvn, "#!/usr/bin/env bash\n"
                + "printf '\\033[0m[INFO] colourful noise\\033[0m\\n'\n"
                + "printf '\\033[1;31m[ERROR] on stderr\\033[0m\\n' >&2\n"
                + "if [ -n \"${FAKE_MVN_FAIL:-}\" ]; then exit 1; fi\n"
                + "mkdir -p target && cp '" + jar + "' target/fanout.jar\n");
        assertTrue(fakeMvn.toFile().setExecutable(true));
        String path = bin + File.pathSeparator + System.getenv("PATH");

        Path out = tmp.resolve("ok.out");
        ProcessBuilder pb = new ProcessBuilder("./fanout", "--version").directory(tree.toFile())
                .redirectOutput(out.toFile()).redirectError(tmp.resolve("ok.out.err").toFile());
        pb.environment().put("PATH", path);
        Process built = pb.start();
        assertTrue(built.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, built.exitValue(), both(out));
        String err = read(tmp.resolve("ok.out.err"));
        assertTrue(err.contains("log: target/build.log") && !err.contains("\u001b") && !err.contains("noise"),
                "one line, no escape code, no Maven output: " + err);
        assertTrue(read(tree.resolve("target/build.log")).contains("colourful noise"), "Maven's output is in the log");

        Files.deleteIfExists(tree.resolve("target/fanout.jar"));
        Path failedOut = tmp.resolve("failed.out");
        pb.redirectOutput(failedOut.toFile()).redirectError(tmp.resolve("failed.out.err").toFile());
        pb.environment().put("FAKE_MVN_FAIL", "1");
        Process failed = pb.start();
        assertTrue(failed.waitFor(60, TimeUnit.SECONDS));
        assertEquals(1, failed.exitValue());
        String failedErr = read(tmp.resolve("failed.out.err"));
        assertTrue(failedErr.contains("the build failed") && failedErr.contains("[ERROR] on stderr"),
                "a failed build shows its log: " + failedErr);
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
        assertEquals(0, p.exitValue(), "a clean drain after SIGTERM exits 0, not 143; " + both(output));
        String all = read(output);
        assertTrue(all.contains("proto=http addr=127.0.0.1:"), "the browser listener on a free port: " + all);
        assertTrue(all.contains("[STOP]") && all.contains("reason=shutdown"),
                "SIGTERM went through the orderly shutdown that closes clients; output: " + all);
    }
}
