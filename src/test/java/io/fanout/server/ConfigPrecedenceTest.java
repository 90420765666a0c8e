package io.fanout.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import picocli.CommandLine;

/**
 * Where serve's options come from: command line > FANOUT_&lt;OPTION&gt; environment >
 * --config file > default, each step proven for a size, an int and a string option; the
 * file's syntax and its errors (with line numbers); the password from a file or the
 * environment; picocli's @argfile. Nothing here starts a server.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class ConfigPrecedenceTest {
    @TempDir
    Path tmp;

    private final ByteArrayOutputStream err = new ByteArrayOutputStream();
    private PrintStream realErr;
    private PrintStream realOut;

    @BeforeEach
    void captureOutput() {
        realErr = System.err;
        realOut = System.out;
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        System.setOut(new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
    }

    @AfterEach
    void restoreOutput() {
        System.setErr(realErr);
        System.setOut(realOut);
    }

    private String err() {
        return err.toString(StandardCharsets.UTF_8);
    }

    private Path file(String name, String text) throws IOException {
        Path p = tmp.resolve(name);
        Files.writeString(p, text, StandardCharsets.UTF_8);
        return p;
    }

    private Path configFile() throws IOException {
        return file("fanout.conf", String.join("\n",
                "# fanout test config",
                "",
                "slow-threshold = 2kb",
                "   port=7100   ",
                "line_channel = \"from file\"",
                "max-clients = 100",
                ""));
    }

    private static final Map<String, String> NO_ENV = Map.of();

    @Test
    void defaultsApplyWhenNothingIsGiven() {
        ServerConfig c = Main.parseServe(NO_ENV);
        assertEquals(1 << 20, c.slow().hardLimitBytes());
        assertEquals(7000, c.linePort());
        assertEquals("broadcast", c.lineChannel());
        assertNull(c.requirePass());
    }

    @Test
    void theConfigFileBeatsTheDefault() throws IOException {
        ServerConfig c = Main.parseServe(NO_ENV, "--config", configFile().toString());
        assertEquals(2048, c.slow().hardLimitBytes());
        assertEquals(7100, c.linePort());
        assertEquals("from file", c.lineChannel(), "quotes are taken off, '_' stands for '-'");
        assertEquals(100, c.maxClients());
        assertEquals(7379, c.respPort(), "what the file does not set keeps its default");
    }

    @Test
    void theEnvironmentBeatsTheConfigFile() throws IOException {
        Map<String, String> env = Map.of("FANOUT_SLOW_THRESHOLD", "3kb", "FANOUT_PORT", "7200",
                "FANOUT_LINE_CHANNEL", "from env", "FANOUT_JAVA_OPTS", "-Xmx1g (the launcher's, ignored here)");
        ServerConfig c = Main.parseServe(env, "--config", configFile().toString());
        assertEquals(3072, c.slow().hardLimitBytes());
        assertEquals(7200, c.linePort());
        assertEquals("from env", c.lineChannel());
        assertEquals(100, c.maxClients(), "the file still gives what the environment does not");
    }

    @Test
    void theCommandLineBeatsTheEnvironment() throws IOException {
        Map<String, String> env = Map.of("FANOUT_SLOW_THRESHOLD", "3kb", "FANOUT_PORT", "7200",
                "FANOUT_LINE_CHANNEL", "from env");
        ServerConfig c = Main.parseServe(env, "--config", configFile().toString(), "--slow-threshold", "4kb",
                "--port=7300", "--line-channel", "from cli");
        assertEquals(4096, c.slow().hardLimitBytes());
        assertEquals(7300, c.linePort());
        assertEquals("from cli", c.lineChannel());
    }

    @Test
    void fanoutConfigNamesTheFileAndTheCommandLineConfigBeatsIt() throws IOException {
        Path other = file("other.conf", "port = 7400\n");
        assertEquals(7100, Main.parseServe(Map.of("FANOUT_CONFIG", configFile().toString())).linePort());
        assertEquals(7400, Main.parseServe(Map.of("FANOUT_CONFIG", configFile().toString()),
                "--config", other.toString()).linePort());
    }

    @Test
    void anUnknownKeyInTheFileIsAnErrorWithItsLineNumber() throws IOException {
        Path bad = file("bad.conf", "# comment\nport = 7100\nslow-treshold = 4kb\n");
        int code = Main.run(NO_ENV, "--config", bad.toString());
        assertEquals(2, code, err());
        assertTrue(err().contains(bad + ":3: unknown option 'slow-treshold'"), err());
        assertTrue(err().contains("slow-threshold"), "the known keys are listed: " + err());
    }

    @Test
    void aLineWithoutEqualsAKeyGivenTwiceAndAMissingFileAreErrors() throws IOException {
        Path noEquals = file("a.conf", "port 7100\n");
        assertEquals(2, Main.run(NO_ENV, "serve", "--config", noEquals.toString()));
        assertTrue(err().contains(noEquals + ":1: expected 'key = value'"), err());

        Path twice = file("b.conf", "port = 1\n\nport = 2\n");
        assertEquals(2, Main.run(NO_ENV, "--config", twice.toString()));
        assertTrue(err().contains(twice + ":3: 'port' is already set on line 1"), err());

        assertEquals(2, Main.run(NO_ENV, "--config", tmp.resolve("missing.conf").toString()));
        assertTrue(err().contains("cannot read"), err());

        Path config = file("c.conf", "config = other.conf\n");
        assertEquals(2, Main.run(NO_ENV, "--config", config.toString()));
        assertTrue(err().contains(":1: unknown option 'config'"), err());
    }

    @Test
    void aBadValueFromTheEnvironmentOrTheFileSaysWhereItCameFrom() throws IOException {
        assertEquals(2, Main.run(Map.of("FANOUT_SLOW_THRESHOLD", "12parsecs"), "--resp-port", "-1"));
        assertTrue(err().contains("--slow-threshold (from environment FANOUT_SLOW_THRESHOLD)"), err());

        Path bad = file("v.conf", "\nwrite-deadline = soon\n");
        assertEquals(2, Main.run(NO_ENV, "--config", bad.toString()));
        assertTrue(err().contains("--write-deadline (from " + bad + ":2)"), err());

        assertEquals(2, Main.run(Map.of("FANOUT_PORT", "seven"), "--resp-port", "-1"));
        assertTrue(err().contains("'seven' is not an int (from environment FANOUT_PORT)"), err());
    }

    @Test
    void thePasswordComesFromAFileOrTheEnvironment() throws IOException {
        Path pw = file("pw", "s3cret\n");
        assertEquals("s3cret", Main.parseServe(NO_ENV, "--requirepass-file", pw.toString()).requirePass(),
                "the first line, without its line end");
        assertEquals("crlf", Main.parseServe(NO_ENV, "--requirepass-file",
                file("pw2", "crlf\r\nsecond line\n").toString()).requirePass());
        assertEquals("envpw", Main.parseServe(Map.of("FANOUT_REQUIREPASS", "envpw")).requirePass());
        assertEquals("s3cret", Main.parseServe(Map.of("FANOUT_REQUIREPASS", "envpw"),
                "--requirepass-file", pw.toString()).requirePass(), "the command line's file beats the environment");
        assertEquals("cli", Main.parseServe(Map.of("FANOUT_REQUIREPASS_FILE", pw.toString()),
                "--requirepass", "cli").requirePass(), "the command line's password beats the environment's file");
        assertEquals("s3cret", Main.parseServe(Map.of("FANOUT_REQUIREPASS_FILE", pw.toString()),
                "--config", file("p.conf", "requirepass = fromfile\n").toString()).requirePass(),
                "the environment beats the config file");

        assertThrows(CommandLine.ParameterException.class,
                () -> Main.parseServe(NO_ENV, "--requirepass", "a", "--requirepass-file", pw.toString()));
        assertThrows(CommandLine.ParameterException.class,
                () -> Main.parseServe(NO_ENV, "--requirepass-file", file("empty", "\n").toString()));
        assertEquals(2, Main.run(NO_ENV, "--requirepass-file", tmp.resolve("nope").toString()));
        assertTrue(err().contains("--requirepass-file: cannot read"), err());
    }

    @Test
    void thePasswordIsNeverShownInHelp() {
        String help = new CommandLine(new ServeCommand())
                .setDefaultValueProvider(ConfigSources.environmentOnly(Map.of("FANOUT_REQUIREPASS", "hidden")))
                .getUsageMessage();
        assertTrue(help.contains("--requirepass-file") && help.contains("--config"), help);
        assertTrue(!help.contains("hidden"), help);
    }

    @Test
    void anArgfileHoldsServeOptions() throws IOException {
        Path args = file("fanout.args", "--slow-threshold 5kb\n# a comment\n--line-channel \"with space\"\n");
        ServerConfig c = Main.parseServe(NO_ENV, "@" + args);
        assertEquals(5120, c.slow().hardLimitBytes());
        assertEquals("with space", c.lineChannel());

        Path bad = file("bad.args", "--port -5\n");
        assertEquals(2, Main.run(NO_ENV, "@" + bad), "a leading @file is serve's: " + err());
        assertTrue(err().contains("--port"), err());
    }
}
