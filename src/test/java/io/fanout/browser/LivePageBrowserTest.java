package io.fanout.browser;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fanout.protocol.resp.it.RespConnection;
import io.fanout.server.FanoutServer;
import io.fanout.server.ServerConfig;
import io.fanout.server.WebConfig;
import io.fanout.testing.Await;
import io.fanout.testing.LineClient;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.openqa.selenium.By;

/**
 * The live page in a real headless Chromium against an in-process server (every listener on
 * port 0): what one browser sends, another sees; nc-style line clients and Redis clients
 * reach the page; the page says why the server closed it; the figures panel follows /stats;
 * an EventSource in the browser receives Server-Sent Events. Screenshots land in
 * target/screenshots/ for a person to look at.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class LivePageBrowserTest {
    private static final AtomicInteger CHANNELS = new AtomicInteger();
    private static FanoutServer server;
    private static String base;
    private static Browser desktop;
    private static Browser phone;

    @BeforeAll
    static void start() throws IOException {
        if (!Browser.installed()) {
            return; // each test then reports itself skipped (or failed under FANOUT_REQUIRE_BROWSER=1)
        }
        server = FanoutServer.start(ServerConfig.forTests().withWeb(WebConfig.onFreePort()));
        InetSocketAddress http = server.httpAddress();
        base = "http://127.0.0.1:" + http.getPort() + "/";
        desktop = Browser.open(1280, 800);
        phone = Browser.open(390, 844);
    }

    @BeforeEach
    void needsBrowser() {
        Browser.assumeInstalled();
    }

    @AfterAll
    static void stop() throws InterruptedException {
        try {
            if (desktop != null) {
                desktop.close();
            }
            if (phone != null) {
                phone.close();
            }
            if (server != null) {
                Await.until(() -> server.engine().connectedClients() == 0, Await.DEFAULT,
                        () -> "no connection left behind (" + server.engine().connectedClients() + ")");
            }
        } finally {
            if (server != null) {
                server.close();
                assertTrue(server.awaitTermination(5, TimeUnit.SECONDS), "event loops ended");
            }
        }
    }

    @AfterEach
    void leaveNoPageOpen() {
        // Each test opens its own pages; a blank page closes their sockets before the next test.
        for (Browser b : new Browser[] {desktop, phone}) {
            if (b != null) {
                b.driver().get("about:blank");
            }
        }
        if (server != null) {
            Await.until(() -> browserSockets() == 0, Await.DEFAULT,
                    () -> "no WebSocket or SSE stream left open (" + browserSockets() + ")");
        }
    }

    /** WebSocket and SSE connections (idle keep-alive /stats connections are not counted). */
    private static long browserSockets() {
        return server.engine().connections().stream()
                .filter(c -> c.protocolName().equals("ws") || c.protocolName().equals("sse")).count();
    }

    private static String freshChannel(String prefix) {
        return prefix + "-" + CHANNELS.incrementAndGet();
    }

    @Test
    void twoPagesOnOneChannelSeeEachOthersMessages() throws IOException {
        String room = freshChannel("room");
        LivePage a = new LivePage(desktop).open(base + "?channel=" + room);
        LivePage b = new LivePage(phone).open(base + "?channel=" + room);

        a.send("hello from the desktop");
        b.awaitMessage("hello from the desktop");
        a.awaitMessage("hello from the desktop");
        b.send("hi from the phone \u2014 caf\u00e9 \u2603");
        a.awaitMessage("hi from the phone \u2014 caf\u00e9 \u2603");
        b.awaitMessage("hi from the phone \u2014 caf\u00e9 \u2603");

        assertEquals(List.of("hello from the desktop", "hi from the phone \u2014 caf\u00e9 \u2603"), a.messages());
        assertEquals(a.messages(), b.messages());
        // The sender's own echo is marked as its own.
        assertEquals(1, desktop.driver().findElements(By.cssSelector("#messages li.msg.mine")).size());
        a.awaitStatsUpdates(2);
        desktop.screenshot("chat-desktop");
        phone.screenshot("chat-phone");
        // The same page as a browser set to dark mode shows it.
        desktop.driver().executeCdpCommand("Emulation.setEmulatedMedia",
                Map.of("features", List.of(Map.of("name", "prefers-color-scheme", "value", "dark"))));
        try {
            a.awaitStatsUpdates(a.statsUpdates() + 1); // the chart redraws in the dark colours
            desktop.screenshot("chat-dark-desktop");
        } finally {
            desktop.driver().executeCdpCommand("Emulation.setEmulatedMedia", Map.of("features", List.of()));
        }
    }

    @Test
    void lineAndRedisClientsReachThePage() throws Exception {
        LivePage page = new LivePage(desktop).open(base);   // joins "broadcast", the line channel
        try (LineClient nc = LineClient.connect(server.lineAddress())) {
            nc.send("typed into nc");
            page.awaitMessage("typed into nc");
            assertEquals("typed into nc", nc.readLine(), "the nc user gets its own line back, as always");

            publishLikeRedisCli("broadcast", "from redis-cli publish");
            page.awaitMessage("from redis-cli publish");

            assertEquals("from redis-cli publish", nc.readLine(), "nc sees the redis-cli message too");
            page.send("from the browser");
            assertEquals("from the browser", nc.readLine(), "nc sees what the page sends");
            page.awaitMessage("from the browser");
            assertEquals(List.of("typed into nc", "from redis-cli publish", "from the browser"), page.messages());
        }
    }

    @Test
    void pageSaysWhyTheServerClosedItAndReconnects() throws Exception {
        LivePage page = new LivePage(desktop).open(base);
        try (RespConnection admin = RespConnection.open(server.respAddress())) {
            long id = -1;
            for (String line : admin.call("CLIENT", "LIST").text().split("\n")) {
                if (line.contains(" proto=ws")) {
                    id = Long.parseLong(line.substring(3, line.indexOf(' ')));
                }
            }
            assertTrue(id > 0, "CLIENT LIST shows the page's WebSocket: " + admin.transcriptText());
            assertEquals(1, admin.call("CLIENT", "KILL", "ID", String.valueOf(id)).asLong());
        }
        page.awaitNotice("closed \u00b7 ");
        desktop.screenshot("closed-by-server-desktop");
        String banner = page.text("close-reason");
        assertTrue(!banner.isBlank(), "the banner explains the close");
        page.awaitState("open");   // the backoff reconnects by itself
        page.awaitJoined("broadcast");
    }

    @Test
    void figuresPanelFollowsStats() throws Exception {
        LivePage page = new LivePage(desktop).open(base);
        try (LineClient nc = LineClient.connect(server.lineAddress())) {
            int before = page.statsUpdates();
            for (int i = 0; i < 50; i++) {
                nc.send("tick " + i);
            }
            page.awaitMessage("tick 49");
            page.await(d -> page.statsUpdates() >= before + 2
                            && Integer.parseInt(page.text("clients-ws")) >= 1
                            && Integer.parseInt(page.text("clients-line")) >= 1
                            && Long.parseLong(page.text("fig-published").replace(",", "")) >= 50,
                    () -> "figures show the page, the nc client and 50 messages (ws=" + page.text("clients-ws")
                            + " line=" + page.text("clients-line") + " published=" + page.text("fig-published") + ")");
            assertTrue(!page.text("server-version").isBlank(), "the header shows the server's version");
            desktop.screenshot("figures-desktop");
            phone.driver().get(base);
            LivePage small = new LivePage(phone);
            small.awaitState("open");
            small.await(d -> small.statsUpdates() >= 3, () -> "three /stats answers on the phone");
            small.script("document.querySelector('section.figures').scrollIntoView()"); // scroll-margin keeps its title visible
            phone.screenshot("figures-phone");
        }
    }

    @Test
    void eventSourceInTheBrowserReceivesWhatThePageSends() {
        String ch = freshChannel("sse");
        LivePage page = new LivePage(desktop).open(base + "?channel=" + ch);
        page.script("window.sseGot = []; window.sseOpen = false;"
                + "var es = new EventSource('sse/' + encodeURIComponent(arguments[0]));"
                + "es.onopen = function () { window.sseOpen = true; };"
                + "es.onmessage = function (e) { window.sseGot.push(e.data); };"
                + "window.sse = es;", ch);
        page.await(d -> Boolean.TRUE.equals(page.script("return window.sseOpen")), () -> "EventSource open");
        page.send("over websocket, out as an event");
        page.script("fetch('publish/' + encodeURIComponent(arguments[0]), {method: 'POST', body: 'posted'})"
                + ".then(function (r) { return r.json(); }).then(function (j) { window.postReply = j; });", ch);
        page.await(d -> "[over websocket, out as an event, posted]".equals(String.valueOf(page.script("return window.sseGot"))),
                () -> "both messages as events (got " + page.script("return window.sseGot") + ")");
        page.await(d -> page.script("return window.postReply") != null, () -> "POST /publish answered");
        assertEquals(2L, ((Number) page.script("return window.postReply.receivers")).longValue(),
                "the page's socket and the EventSource received the POST");
        page.awaitMessage("posted");
        page.script("window.sse.close()");
    }

    @Test
    void aPatternListensToEveryMatchingChannelAndCannotSend() throws Exception {
        LivePage page = new LivePage(desktop).open(base + "?channel=news.*");
        publishLikeRedisCli("news.eu", "rates unchanged");
        publishLikeRedisCli("news.us", "markets open");
        page.awaitMessage("markets open");
        assertEquals(List.of("rates unchanged", "markets open"), page.messages());
        assertEquals(List.of("#news.eu via news.*", "#news.us via news.*"),
                page.script("return Array.from(document.querySelectorAll('#messages li.msg .ch'), function (e) { return e.textContent; })"));
        assertTrue(!desktop.driver().findElement(By.id("send")).isEnabled(), "a pattern only listens");
        page.join("news.eu");   // back to one channel: sending works again
        assertTrue(desktop.driver().findElement(By.id("send")).isEnabled());
        page.send("from the page");
        page.awaitMessage("from the page");
    }

    /** {@code redis-cli -p <resp> publish <channel> <text>} when installed, else the same bytes on a raw socket. */
    private static void publishLikeRedisCli(String channel, String text) throws Exception {
        int port = server.respAddress().getPort();
        Path cli = Path.of("/usr/bin/redis-cli");
        if (Files.isExecutable(cli)) {
            Process p = new ProcessBuilder(cli.toString(), "-p", String.valueOf(port), "publish", channel, text)
                    .redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), UTF_8).trim();
            assertTrue(p.waitFor(10, TimeUnit.SECONDS), "redis-cli ended");
            assertEquals(0, p.exitValue(), "redis-cli said " + out);
            assertTrue(Long.parseLong(out) >= 1, "PUBLISH counts the browser among its receivers: " + out);
        } else {
            try (RespConnection c = RespConnection.open(server.respAddress())) {
                assertTrue(c.call("PUBLISH", channel, text).toString().contains("1"));
            }
        }
    }
}
