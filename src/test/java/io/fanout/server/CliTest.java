package io.fanout.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The command line as a user meets it, in-process through {@link Main#run}: a bad value is
 * exit code 2 and one clear line naming the option; --help and --version are exit code 0.
 * None of these invocations may start a server (each fails before it binds).
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class CliTest {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();
    private PrintStream realOut;
    private PrintStream realErr;

    @BeforeEach
    void captureOutput() {
        realOut = System.out;
        realErr = System.err;
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    @AfterEach
    void restoreOutput() {
        System.setOut(realOut);
        System.setErr(realErr);
    }

    private String out() {
        return out.toString(StandardCharsets.UTF_8);
    }

    private String err() {
        return err.toString(StandardCharsets.UTF_8);
    }

    @ParameterizedTest(name = "{0} {1}")
    @CsvSource(delimiter = '|', value = {
        "--slow-threshold | 12parsecs | --slow-threshold",
        "--max-message    | lots      | --max-message",
        "--soft-limit     | -1kb      | --soft-limit",
        "--so-sndbuf      | 1.5mb     | --so-sndbuf",
        "--write-deadline | soon      | --write-deadline",
        "--soft-seconds   | 10h       | --soft-seconds",
        "--shutdown-drain | 2 s s     | --shutdown-drain",
        "--port           | -5        | --port",
        "--port           | 70000     | --port",
        "--resp-port      | -2        | --resp-port",
        "--http-port      | -2        | --http-port",
        "--http-port      | 65536     | --http-port",
        "--ping-interval  | 500ms     | --ping-interval",
        "--ping-interval  | often     | --ping-interval",
        "--max-clients    | many      | --max-clients",
        "--io-threads     | 0         | --io-threads",
        "--io-threads     | 65        | --io-threads",
        "--io-threads     | many      | --io-threads",
        "--slow-policy    | fast      | --slow-policy",
        "--log-level      | loud      | --log-level",
        "--max-input-total | 64kb     | --max-input-total",
        "--max-input-total | plenty   | --max-input-total",
        "--tcp-keepalive  | often     | --tcp-keepalive",
        "--auth-timeout   | -1s       | --auth-timeout",
        "--timeout        | never     | --timeout",
        "--max-topics     | 0         | --max-topics",
        "--max-subscriptions | -3     | --max-subscriptions",
        "--max-subscriptions-per-client | lots | --max-subscriptions-per-client",
    })
    void aBadOptionValueExitsWithCode2AndAMessageNamingTheOption(String option, String value, String named) {
        int code = Main.run(option, value, "--resp-port", "-1", "--metrics-port", "-1");

        assertEquals(2, code, "stderr: " + err());
        assertTrue(err().startsWith("fanout: "), "stderr: " + err());
        assertTrue(err().contains(named), "the message names " + named + ": " + err());
        assertTrue(err().contains("--help"), "and says where the options are listed: " + err());
    }

    @Test
    void aBadOptionValueAfterTheServeVerbIsRefusedTheSameWay() {
        assertEquals(2, Main.run("serve", "--slow-threshold", "huge"));
        assertTrue(err().contains("--slow-threshold"), err());
        assertTrue(err().contains("huge"), "the message quotes the bad value: " + err());
    }

    @Test
    void theReadSideOptionsParseIntoTheConfig() {
        ServeCommand cmd = new ServeCommand();
        new picocli.CommandLine(cmd).parseArgs("--max-input-total", "256mb", "--tcp-keepalive", "60s",
                "--auth-timeout", "5s", "--timeout", "2m");
        ConnectionLimits l = cmd.toConfig().limits();
        assertEquals(256L << 20, l.maxInputTotalBytes());
        assertEquals(60, l.tcpKeepAliveSeconds());
        assertEquals(5_000_000_000L, l.authTimeoutNanos());
        assertEquals(120_000_000_000L, l.idleTimeoutNanos());

        ServeCommand defaults = new ServeCommand();
        new picocli.CommandLine(defaults).parseArgs();
        assertEquals(ConnectionLimits.DEFAULTS, defaults.toConfig().limits(), "auto budget, 300 s, 10 s, off");
    }

    @Test
    void anUnknownOptionExitsWithCode2() {
        assertEquals(2, Main.run("--bogus"));
        assertTrue(err().contains("--bogus"), err());
    }

    @Test
    void versionPrintsTheNameAndExitsWith0() {
        assertEquals(0, Main.run("--version"));
        assertTrue(out().startsWith("fanout "), "stdout: " + out());
    }

    @Test
    void helpListsTheVerbsAndServeHelpListsTheOptionsBothExitWith0() {
        assertEquals(0, Main.run("--help"));
        assertTrue(out().contains("serve"), out());
        out.reset();
        assertEquals(0, Main.run("serve", "--help"));
        for (String option : new String[] {"--port", "--slow-threshold", "--slow-policy", "--max-message"}) {
            assertTrue(out().contains(option), "serve --help lists " + option);
        }
    }

    @Test
    void aPortInUseExitsWithCode1AndSaysWhichListener() throws Exception {
        try (ServerSocket busy = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            int code = Main.run("serve", "--port", Integer.toString(busy.getLocalPort()),
                    "--resp-port", "-1", "--metrics-port", "-1");
            assertEquals(1, code, "stderr: " + err());
            assertTrue(err().contains("line") && err().contains(Integer.toString(busy.getLocalPort())),
                    "stderr names the listener and port: " + err());
        }
    }
}
