package io.fanout.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import io.fanout.protocol.resp.it.RespConnection;
import io.fanout.testing.Await;
import io.fanout.testing.ChildServer;
import io.fanout.testing.Flood;
import io.fanout.testing.LineClient;

/**
 * Heap exhaustion by unfinished requests (issue 8, item 1), against a child server with a
 * 64 MiB heap: hundreds of clients each leave a large request unfinished. The input budget
 * (a quarter of the heap by default) cuts the largest holders first and the server goes on
 * serving; with the budget set above the heap, the loop dies of OutOfMemoryError and the
 * process exits 70 instead of living on without serving anyone.
 */
@Tag("process")
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class InputAttackTest {
    private static final List<String> SMALL_HEAP = List.of("-Xmx64m", "-XX:+UseSerialGC");

    @TempDir
    Path tmp;

    private static byte[] unfinishedLine(int bytes) {
        byte[] b = new byte[bytes];
        Arrays.fill(b, (byte) 'x'); // no newline: the line never ends
        return b;
    }

    /**
     * 1 MiB + 1 of one line without a newline on each of 200 connections (about 200 MiB), then
     * 200 RESP PUBLISHes each holding an unfinished 1 MiB bulk.
     */
    @Test
    void unfinishedLinesAreCutByTheInputBudgetAndTheServerGoesOn() throws Exception {
        try (ChildServer server = ChildServer.start(tmp, 0, SMALL_HEAP, "--port", "0", "--resp-port", "0",
                "--metrics-port", "-1")) {
            try (Flood flood = Flood.open(server.address("line"), 200)) {
                flood.sendOnEach(unfinishedLine((1 << 20) + 1), Duration.ofSeconds(30));
                assertTrue(server.process().isAlive(), "the server died: " + tail(server));
                assertServes(server);
            }
            // The [INPUT] line is written at the cut, the [CLOSE] line when the turn reaps it.
            Await.until(() -> server.countLines("reason=input-budget") > 0, Duration.ofSeconds(10),
                    () -> "cuts by the input budget: " + tail(server));
            assertTrue(server.countLines("[INPUT]") > 0, "an [INPUT] line says why");

            // The same with RESP: 200 PUBLISHes whose 1 MiB bulk never completes.
            long cutsSoFar = server.countLines("reason=input-budget");
            byte[] head = "*3\r\n$7\r\nPUBLISH\r\n$2\r\nch\r\n$1048576\r\n".getBytes(StandardCharsets.US_ASCII);
            byte[] unfinished = Arrays.copyOf(head, head.length + (1 << 20) - 1);
            Arrays.fill(unfinished, head.length, unfinished.length, (byte) 'p');
            try (Flood flood = Flood.open(server.address("resp"), 200)) {
                flood.sendOnEach(unfinished, Duration.ofSeconds(30));
                assertTrue(server.process().isAlive(), "the server died: " + tail(server));
                try (RespConnection c = RespConnection.open(server.address("resp"))) {
                    assertEquals(0, c.call("PUBLISH", "ch", "still serving").asLong(), tail(server));
                }
            }
            Await.until(() -> server.countLines("reason=input-budget") > cutsSoFar, Duration.ofSeconds(10),
                    () -> "RESP cuts too: " + tail(server));
            assertEquals(0, server.countLines("OutOfMemoryError"), tail(server));
        }
    }

    /**
     * Redis's pre-AUTH limits (10 arguments, 16 KiB bulks) still let 300 unauthenticated
     * clients each hold about 160 KiB; the budget bounds them together.
     */
    @Test
    void unauthenticatedUnfinishedCommandsAreBoundedTogether() throws Exception {
        try (ChildServer server = ChildServer.start(tmp, 0, SMALL_HEAP, "--port", "0", "--resp-port", "0",
                "--metrics-port", "-1", "--requirepass", "s3cret")) {
            StringBuilder cmd = new StringBuilder("*10\r\n");
            String bulk = "b".repeat(16 * 1024);
            for (int i = 0; i < 9; i++) {
                cmd.append("$").append(bulk.length()).append("\r\n").append(bulk).append("\r\n");
            }
            cmd.append("$16384\r\n").append("b".repeat(8 * 1024)); // the tenth never completes
            try (Flood flood = Flood.open(server.address("resp"), 300)) {
                flood.sendOnEach(cmd.toString().getBytes(StandardCharsets.US_ASCII), Duration.ofSeconds(30));
                assertTrue(server.process().isAlive(), "the server died: " + tail(server));
                try (RespConnection c = RespConnection.open(server.address("resp"))) {
                    assertEquals("OK", c.call("AUTH", "s3cret").text(), tail(server));
                    assertEquals(0, c.call("PUBLISH", "ch", "still serving").asLong());
                }
            }
            Await.until(() -> server.countLines("reason=input-budget") > 0, Duration.ofSeconds(10),
                    () -> "cuts by the input budget: " + tail(server));
        }
    }

    /** The budget set far above the heap: the loop dies of OutOfMemoryError, and so does the process. */
    @Test
    void aCrashedLoopTakesTheProcessDownWithExit70() throws Exception {
        try (ChildServer server = ChildServer.start(tmp, 0, SMALL_HEAP, "--port", "0", "--resp-port", "-1",
                "--metrics-port", "-1", "--max-input-total", "4gb")) {
            try (Flood flood = Flood.open(server.address("line"), 200)) {
                flood.sendOnEach(unfinishedLine((1 << 20) + 1), Duration.ofSeconds(30));
                assertTrue(server.process().waitFor(30, TimeUnit.SECONDS), "still running: " + tail(server));
            }
            assertEquals(ServeCommand.EXIT_LOOP_CRASHED, server.process().exitValue(), tail(server));
            assertTrue(server.output().contains("crashed"), tail(server));
        }
    }

    /** A fresh line client still gets its own line back. */
    private static void assertServes(ChildServer server) throws Exception {
        try (LineClient c = LineClient.connect(server.address("line"))) {
            c.send("still serving");
            assertEquals("still serving", c.readLine(), tail(server));
        }
    }

    private static String tail(ChildServer server) {
        String out = server.output();
        return out.length() > 3000 ? "..." + out.substring(out.length() - 3000) : out;
    }
}
