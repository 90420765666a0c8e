package io.fanout.browser;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import io.fanout.policy.SlowPolicyMode;
import io.fanout.policy.SlowPolicySettings;
import io.fanout.protocol.resp.it.RespConnection;
import io.fanout.server.FanoutServer;
import io.fanout.server.ServerConfig;
import io.fanout.server.WebConfig;
import io.fanout.testing.Await;

/**
 * Under {@code --slow-policy drop-oldest} a tab that falls behind is not cut: the server drops
 * its oldest queued messages and tells it how many, and the page shows that notice while it
 * stays connected.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class DropOldestPageBrowserTest {
    private static final Pattern DROPPED = Pattern.compile("\"dropped_messages\":(\\d+)");

    @Test
    void aPageThatFellBehindIsToldHowManyMessagesItMissed() throws Exception {
        Browser.assumeInstalled();
        SlowPolicySettings dropOldest = new SlowPolicySettings(256 * 1024, 0, 0, 0, 0, SlowPolicyMode.DROP_OLDEST, 0);
        FanoutServer server = FanoutServer.start(ServerConfig.forTests().withSlow(dropOldest).withWeb(WebConfig.onFreePort()));
        String base = "http://127.0.0.1:" + server.httpAddress().getPort() + "/";
        try (Browser browser = Browser.open(1280, 800)) {
            LivePage page = new LivePage(browser).open(base + "?channel=feed");
            AtomicBoolean stop = new AtomicBoolean();
            AtomicReference<Throwable> floodFailed = new AtomicReference<>();
            Thread flood = new Thread(() -> {
                try (RespConnection c = RespConnection.open(server.respAddress())) {
                    String payload = "y".repeat(8 * 1024);
                    for (int i = 0; !stop.get() && i < 50_000; i++) {
                        c.send("PUBLISH", "feed", "m" + i + " " + payload);
                        if (i % 16 == 15) {
                            c.read(16);
                            Thread.sleep(30); // ~4 MB/s
                        }
                    }
                } catch (Throwable t) {
                    floodFailed.set(t);
                }
            }, "flood");
            flood.start();
            try {
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                while (dropped(server.httpAddress()) == 0 && System.nanoTime() < deadline) {
                    page.script("var t = Date.now(); while (Date.now() - t < 1000) {}");
                }
            } finally {
                stop.set(true);
                flood.join(10_000);
            }
            assertEquals(null, floodFailed.get(), "the publisher was not cut");
            assertTrue(dropped(server.httpAddress()) > 0, "the server dropped messages for the page");

            page.awaitNotice("the server dropped ");
            assertEquals("open", page.state(), "drop-oldest keeps the page connected");
            assertTrue(page.notices().stream().noneMatch(n -> n.startsWith("closed")), page.notices().toString());
            // Each notice stands where the gap is: the messages around it are numbered m<i>.
            @SuppressWarnings("unchecked")
            java.util.List<String> gaps = (java.util.List<String>) page.script(
                    "var rows = Array.from(document.querySelectorAll('#messages li')), out = [];"
                    + "rows.forEach(function (r, i) {"
                    + "  var m = /dropped (\\d+) older/.exec(r.textContent);"
                    + "  if (!m || i === 0 || i === rows.length - 1) return;"
                    + "  var a = /^m(\\d+) /.exec(rows[i - 1].querySelector('.data').textContent);"
                    + "  var b = /^m(\\d+) /.exec(rows[i + 1].querySelector('.data').textContent);"
                    + "  if (a && b) out.push(m[1] + ' ' + a[1] + ' ' + b[1]);"
                    + "}); return out;");
            System.out.println("drop notices checked against their neighbours: " + gaps);
            for (String g : gaps) {
                String[] f = g.split(" ");
                assertEquals(Long.parseLong(f[0]), Long.parseLong(f[2]) - Long.parseLong(f[1]) - 1,
                        "missed = the messages between m" + f[1] + " and m" + f[2]);
            }
            page.script("var l = document.getElementById('messages'), n = l.querySelectorAll('li.sys.warn');"
                    + "l.scrollTop = n[n.length - 1].offsetTop - l.offsetTop - l.clientHeight / 2;");
            browser.screenshot("drop-oldest-desktop");
            browser.quit();
            Await.until(() -> server.engine().connectedClients() == 0, Await.DEFAULT,
                    () -> "no connection left behind (" + server.engine().connectedClients() + ")");
        } finally {
            server.close();
            assertTrue(server.awaitTermination(5, TimeUnit.SECONDS), "event loops ended");
        }
    }

    /** GET /stats over HTTP/1.0, so the server closes the connection after the answer. */
    private static long dropped(InetSocketAddress http) throws IOException {
        try (Socket s = new Socket()) {
            s.connect(http, 5_000);
            s.setSoTimeout(5_000);
            s.getOutputStream().write("GET /stats HTTP/1.0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            String answer = new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            Matcher m = DROPPED.matcher(answer);
            assertTrue(m.find(), answer);
            return Long.parseLong(m.group(1));
        }
    }
}
