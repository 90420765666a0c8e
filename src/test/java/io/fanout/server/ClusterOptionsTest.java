package io.fanout.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The --cluster* options on the command line: bad values are exit code 2 with a clear line. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class ClusterOptionsTest {
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();
    private PrintStream realErr;
    private PrintStream realOut;
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    @BeforeEach
    void capture() {
        realErr = System.err;
        realOut = System.out;
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
    }

    @AfterEach
    void restore() {
        System.setErr(realErr);
        System.setOut(realOut);
    }

    @ParameterizedTest(name = "{0} {1}")
    @CsvSource(delimiter = '|', value = {
        "--cluster       | localhost:6379   | expected redis://",
        "--cluster       | http://h:1       | unknown scheme",
        "--cluster       | redis-cluster:// | no host:port",
        "--cluster-queue | 12               | --cluster-queue",
        "--cluster-queue | lots             | --cluster-queue",
    })
    void aBadClusterOptionExitsWithCode2(String option, String value, String said) {
        String[] args = option.equals("--cluster") ? new String[] {option, value, "--resp-port", "-1", "--metrics-port", "-1"}
                : new String[] {"--cluster", "redis://127.0.0.1:1", option, value, "--resp-port", "-1", "--metrics-port", "-1"};
        assertEquals(2, Main.run(args), err.toString(StandardCharsets.UTF_8));
        String text = err.toString(StandardCharsets.UTF_8);
        assertTrue(text.contains(said), text);
    }

    @Test
    void serveHelpListsTheClusterOptionsWithDefaults() {
        assertEquals(0, Main.run("serve", "--help"));
        String help = out.toString(StandardCharsets.UTF_8);
        assertTrue(help.contains("--cluster=URI"), help);
        assertTrue(help.contains("--cluster-prefix=PREFIX"), help);
        assertTrue(help.contains("Default: fanout:"), help);
        assertTrue(help.contains("--cluster-queue=SIZE"), help);
    }
}
