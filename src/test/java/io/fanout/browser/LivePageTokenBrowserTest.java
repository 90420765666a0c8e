package io.fanout.browser;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.openqa.selenium.By;

import io.fanout.server.FanoutServer;
import io.fanout.server.ServerConfig;
import io.fanout.server.WebConfig;
import io.fanout.testing.Await;

/**
 * The live page against a server with {@code --requirepass}: without a token it says so
 * instead of retrying blindly; with the token typed in (or given as {@code ?token=}) it
 * connects and the token is kept in the address.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class LivePageTokenBrowserTest {
    private static final String TOKEN = "s3cret-token";
    private static FanoutServer server;
    private static String base;
    private static Browser browser;

    @BeforeAll
    static void start() throws IOException {
        if (!Browser.installed()) {
            return; // each test then reports itself skipped (or failed under FANOUT_REQUIRE_BROWSER=1)
        }
        server = FanoutServer.start(ServerConfig.forTests().withRequirePass(TOKEN).withWeb(WebConfig.onFreePort()));
        base = "http://127.0.0.1:" + server.httpAddress().getPort() + "/";
        browser = Browser.open(390, 844);
    }

    @BeforeEach
    void needsBrowser() {
        Browser.assumeInstalled();
    }

    @AfterAll
    static void stop() throws InterruptedException {
        try {
            if (browser != null) {
                browser.close();
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

    @Test
    void withoutATokenThePageAsksForOneThenConnectsWithIt() throws IOException {
        browser.driver().get(base);
        LivePage page = new LivePage(browser);
        page.await(d -> "Token needed".equals(page.text("close-title")),
                () -> "the banner asks for a token (it says " + page.text("close-title") + ")");
        page.awaitNotice("401");
        assertEquals("closed", page.state());
        browser.screenshot("token-needed-phone");

        browser.driver().findElement(By.id("token")).sendKeys(TOKEN + "\n");
        page.awaitState("open");
        page.awaitJoined("broadcast");
        assertTrue(browser.driver().getCurrentUrl().contains("token=" + TOKEN), browser.driver().getCurrentUrl());
        page.awaitStatsUpdates(1);
        page.send("authenticated hello");
        page.awaitMessage("authenticated hello");
    }

    @Test
    void aTokenInTheAddressIsUsedAtOnce() {
        LivePage page = new LivePage(browser).open(base + "?token=" + TOKEN + "&channel=vip");
        page.awaitStatsUpdates(1);
        page.send("hi vip");
        page.awaitMessage("hi vip");
    }
}
