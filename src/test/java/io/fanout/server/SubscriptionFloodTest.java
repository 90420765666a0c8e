package io.fanout.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import io.fanout.testing.SmallHeapServer;

/**
 * Issue 8, item 2, scaled to a quarter: twelve unauthenticated clients each SUBSCRIBE to
 * 20,000 channels of their own (the 12 x 80,000 against 512 MiB, here 240,000
 * subscriptions against a 128 MiB heap). Before subscription state was made compact this
 * needed ~130 MB of heap and the server died in GC; now it must stay responsive (PUBLISH
 * answers, /healthz answers) and refuse, with Redis-shaped per-channel errors, what goes
 * over --max-subscriptions-per-client and --max-topics.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class SubscriptionFloodTest {
    private static final int CLIENTS = 12;
    private static final int PER_CLIENT = 20_000;
    private static final int OVER = 50;

    @TempDir
    Path tmp;

    @Test
    void twelveHugeSubscribesStayCheapAndTheLimitsRefuseWhatIsOver() throws Exception {
        try (SmallHeapServer server = SmallHeapServer.start(tmp, List.of("-Xmx128m", "-XX:+UseParallelGC"),
                "--max-subscriptions-per-client", Integer.toString(PER_CLIENT),
                "--max-topics", Integer.toString(CLIENTS * PER_CLIENT))) {
            InetSocketAddress resp = server.address("resp");
            List<Socket> held = new ArrayList<>();
            try {
                for (int c = 0; c < CLIENTS; c++) {
                    Socket s = connect(resp);
                    held.add(s);
                    List<String> names = new ArrayList<>();
                    for (int i = 0; i < PER_CLIENT + OVER; i++) {
                        names.add("ch:" + c + ":" + i);
                    }
                    send(s, "SUBSCRIBE", names);
                    Replies r = readReplies(s.getInputStream(), PER_CLIENT + OVER);
                    assertEquals(PER_CLIENT, r.lastCount, "client " + c + " subscribed up to its limit");
                    assertEquals(OVER, r.errors.size(), "one error in place of each channel over the limit");
                    assertEquals("-ERR max subscriptions per client reached (" + PER_CLIENT + ")", r.errors.get(0));
                }

                // Every topic slot is taken: a new channel is refused, a known one still works.
                Socket extra = connect(resp);
                held.add(extra);
                send(extra, "SUBSCRIBE", List.of("brand-new", "ch:0:1"));
                Replies r = readReplies(extra.getInputStream(), 2);
                assertEquals(List.of("-ERR max topics reached (" + CLIENTS * PER_CLIENT + ")"), r.errors);
                assertEquals(1, r.lastCount);

                try (Socket publisher = connect(resp)) {
                    long t0 = System.nanoTime();
                    send(publisher, "PUBLISH", List.of("ch:0:1", "hello"));
                    assertEquals(":2", readLine(publisher.getInputStream()), "both subscribers of ch:0:1");
                    long millis = (System.nanoTime() - t0) / 1_000_000;
                    assertTrue(millis < 2_000, "PUBLISH answered in " + millis + " ms");
                }
                assertEquals(200, healthz(server.address("metrics")));
                String metrics = get(server.address("metrics"), "/metrics");
                assertTrue(metrics.contains("fanout_subscriptions_refused_total{limit=\"client\"} " + CLIENTS * OVER
                        + ".0"), metrics);
                assertTrue(metrics.contains("fanout_subscriptions_refused_total{limit=\"topics\"} 1.0"), metrics);
                assertTrue(metrics.contains("fanout_subscriptions " + (CLIENTS * PER_CLIENT + 1) + ".0"), metrics);
                assertTrue(server.isAlive());
                assertFalse(server.output().contains("OutOfMemoryError"), server.output());
            } finally {
                for (Socket s : held) {
                    s.close();
                }
            }
        }
    }

    private static Socket connect(InetSocketAddress address) throws IOException {
        Socket s = new Socket();
        s.connect(address, 5_000);
        s.setSoTimeout(30_000);
        return s;
    }

    private static void send(Socket s, String command, List<String> args) throws IOException {
        OutputStream out = new BufferedOutputStream(s.getOutputStream(), 1 << 16);
        out.write(("*" + (args.size() + 1) + "\r\n").getBytes(StandardCharsets.US_ASCII));
        writeBulk(out, command);
        for (String a : args) {
            writeBulk(out, a);
        }
        out.flush();
    }

    private static void writeBulk(OutputStream out, String s) throws IOException {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        out.write(("$" + b.length + "\r\n").getBytes(StandardCharsets.US_ASCII));
        out.write(b);
        out.write('\r');
        out.write('\n');
    }

    /** Subscribe replies end with ":count", errors are "-..." lines; nothing else starts so. */
    private static final class Replies {
        final List<String> errors = new ArrayList<>();
        long lastCount = -1;
    }

    private static Replies readReplies(InputStream raw, int expected) throws IOException {
        InputStream in = new BufferedInputStream(raw, 1 << 16);
        Replies r = new Replies();
        int seen = 0;
        while (seen < expected) {
            String line = readLine(in);
            if (line.startsWith("-")) {
                r.errors.add(line);
                seen++;
            } else if (line.startsWith(":")) {
                r.lastCount = Long.parseLong(line.substring(1));
                seen++;
            }
        }
        return r;
    }

    private static String readLine(InputStream in) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        int b;
        while ((b = in.read()) != '\n') {
            if (b < 0) {
                throw new IOException("connection closed after: " + line);
            }
            if (b != '\r') {
                line.write(b);
            }
        }
        return line.toString(StandardCharsets.UTF_8);
    }

    private static String get(InetSocketAddress metrics, String path) throws IOException {
        HttpURLConnection http = (HttpURLConnection) new URL(
                "http://127.0.0.1:" + metrics.getPort() + path).openConnection();
        http.setConnectTimeout(2_000);
        http.setReadTimeout(5_000);
        try (InputStream in = http.getInputStream()) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } finally {
            http.disconnect();
        }
    }

    private static int healthz(InetSocketAddress metrics) throws IOException {
        HttpURLConnection http = (HttpURLConnection) new URL(
                "http://127.0.0.1:" + metrics.getPort() + "/healthz").openConnection();
        http.setConnectTimeout(2_000);
        http.setReadTimeout(2_000);
        try {
            return http.getResponseCode();
        } finally {
            http.disconnect();
        }
    }
}
