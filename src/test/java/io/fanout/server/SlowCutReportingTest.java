package io.fanout.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.slf4j.LoggerFactory;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.fanout.engine.CloseReason;
import io.fanout.policy.SlowPolicySettings;
import io.fanout.testing.Await;
import io.fanout.testing.LineClient;
import io.fanout.engine.EventLoop;

/**
 * What a slow-consumer cut tells the operator and the client: the {@code [SLOW]} and
 * {@code [CLOSE]} lines keep their fields first and in order and then say who the client
 * was (protocol, remote address, CLIENT SETNAME name); a line client that reads again after
 * being cut still gets its {@code ERR slow consumer ...} notice after the last whole message.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class SlowCutReportingTest {
    private static final int THRESHOLD = 64 * 1024;

    private final ListAppender<ILoggingEvent> logs = new ListAppender<>();
    private final Logger fanoutLogger = (Logger) LoggerFactory.getLogger("fanout");
    private FanoutServer fanout;
    private final List<LineClient> lineClients = new ArrayList<>();

    @BeforeEach
    void captureLogs() {
        logs.start();
        fanoutLogger.addAppender(logs);
    }

    @AfterEach
    void stop() throws IOException {
        fanoutLogger.detachAppender(logs);
        for (LineClient c : lineClients) {
            c.close();
        }
        if (fanout != null) {
            fanout.close();
        }
    }

    private LineClient connect(LineClient.Builder builder) throws IOException {
        LineClient c = builder.connect(fanout.lineAddress());
        lineClients.add(c);
        return c;
    }

    private long closed(CloseReason reason) {
        long n = 0;
        for (EventLoop loop : fanout.engine().loops()) {
            n += loop.stats().closed(reason);
        }
        return n;
    }

    private void awaitClients(int n) {
        Await.until(() -> fanout.engine().connectedClients() == n, "connected clients == " + n);
    }

    private List<String> lines(String prefix) {
        List<String> out = new ArrayList<>();
        synchronized (logs.list) {
            for (ILoggingEvent e : new ArrayList<>(logs.list)) {
                if (e.getFormattedMessage().startsWith(prefix)) {
                    out.add(e.getFormattedMessage());
                }
            }
        }
        return out;
    }

    private void start() throws IOException {
        fanout = FanoutServer.start(ServerConfig.forTests().withSlow(SlowPolicySettings.hardOnly(THRESHOLD))
                .withSocketSendBuffer(4096));
    }

    /** Publishes 200-byte lines from {@code publisher} (which reads its own echo) until a slow cut. */
    private void floodUntilCut(LineClient publisher) throws IOException {
        String line = "x".repeat(199);
        for (int i = 0; closed(CloseReason.SLOW_HARD) == 0; i++) {
            assertTrue(i < 100_000, "no slow cut after " + i + " messages");
            publisher.send(line);
            assertEquals(line, publisher.readLine());
        }
    }

    @Test
    void slowAndCloseLinesSayWhoTheRespClientWasAfterTheirUsualFields() throws Exception {
        start();
        try (Socket resp = new Socket()) {
            resp.setReceiveBufferSize(4096);
            InetSocketAddress a = fanout.respAddress();
            resp.connect(a);
            OutputStream out = resp.getOutputStream();
            out.write("CLIENT SETNAME feed-7\r\nSUBSCRIBE broadcast\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = resp.getInputStream();
            byte[] expect = "+OK\r\n*3\r\n$9\r\nsubscribe\r\n$9\r\nbroadcast\r\n:1\r\n"
                    .getBytes(StandardCharsets.US_ASCII);
            assertEquals(new String(expect, StandardCharsets.US_ASCII),
                    new String(in.readNBytes(expect.length), StandardCharsets.US_ASCII));
            String local = "127.0.0.1:" + resp.getLocalPort();
            try (LineClient publisher = connect(LineClient.builder())) {
                awaitClients(2);
                floodUntilCut(publisher);
            }
            Await.until(() -> lines("[CLOSE]").stream().anyMatch(l -> l.contains("reason=slow-hard")),
                    "a [CLOSE] line for the cut client");
            String slow = lines("[SLOW]").get(0);
            assertTrue(Pattern.matches("\\[SLOW] {6}conn=\\d+ send_buf=\\d+ > threshold=65536, disconnecting"
                    + " proto=resp remote=" + Pattern.quote(local) + " name=feed-7", slow), slow);
            String close = lines("[CLOSE]").stream().filter(l -> l.contains("slow-hard")).findFirst().orElseThrow();
            assertTrue(Pattern.matches("\\[CLOSE] {5}conn=\\d+ reason=slow-hard proto=resp remote="
                    + Pattern.quote(local) + " name=feed-7", close), close);
        }
        Await.until(() -> lines("[CLOSE]").stream().anyMatch(l -> l.contains("reason=eof proto=line")
                || l.contains("proto=line")), "the publisher's [CLOSE] line");
        String lineClose = lines("[CLOSE]").stream().filter(l -> l.contains("proto=line")).findFirst().orElseThrow();
        assertTrue(Pattern.matches("\\[CLOSE] {5}conn=\\d+ reason=[a-z-]+ proto=line remote=127\\.0\\.0\\.1:\\d+",
                lineClose), "no name= for a client without a name: " + lineClose);
    }

    /**
     * The lesson's stalled client: it stops reading, is cut, and reads again later. It gets
     * every message up to a whole-message boundary and then the notice. Best effort in
     * general (a client that never reads again cannot get it), but on one machine it must.
     */
    @Test
    void aStalledLineClientThatReadsAgainGetsTheSlowConsumerNotice() throws Exception {
        start();
        try (LineClient stalled = connect(LineClient.builder().receiveBuffer(4096));
             LineClient publisher = connect(LineClient.builder())) {
            awaitClients(2);
            floodUntilCut(publisher);
            awaitClients(1);
            String got = new String(stalled.readUntilClosed(), StandardCharsets.US_ASCII);
            Matcher m = Pattern.compile("^(x{199}\n)+ERR slow consumer disconnected \\(slow-hard\\)\n$").matcher(got);
            String tail = got.substring(Math.max(0, got.length() - 300)).replace("\n", "\\n")
                    + " (" + got.length() + " bytes, reset: " + stalled.closedByReset() + ")";
            assertTrue(m.matches(), "whole messages, then the notice; the stream ends with: " + tail);
            assertTrue(lines("[SLOW]").get(0).endsWith("disconnecting proto=line remote=127.0.0.1:"
                    + stalled.socket().getLocalPort()), lines("[SLOW]").get(0));
        }
    }
}
