package io.fanout.protocol.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import io.fanout.server.ServerConfig;
import io.fanout.server.WebConfig;

/**
 * The server-wide subscription limits (--max-topics, --max-subscriptions) hold for browsers
 * too: a fanout.json subscribe over them gets an error event and the socket stays usable; an
 * event stream that cannot get its subscriptions is refused with 503 before it starts.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class BrowserSubscriptionLimitsTest {
    private static ServerConfig twoTopics() {
        return ServerConfig.forTests().withWeb(WebConfig.onFreePort())
                .withSubscriptionLimits(new ServerConfig.SubscriptionLimits(100, 2, 100));
    }

    @Test
    void jsonModeSubscribeOverTheTopicLimitIsAnErrorEvent() throws Exception {
        try (WebServer w = WebServer.start(twoTopics())) {
            WebServer.Ws a = w.webSocket("/ws", "fanout.json");
            a.send("{\"op\":\"subscribe\",\"channel\":\"a\"}");
            assertEquals("{\"event\":\"subscribed\",\"channel\":\"a\"}", a.next());
            a.send("{\"op\":\"subscribe\",\"channel\":\"b\"}");
            assertEquals("{\"event\":\"subscribed\",\"channel\":\"b\"}", a.next());
            a.send("{\"op\":\"subscribe\",\"channel\":\"c\"}");
            assertEquals("{\"event\":\"error\",\"error\":\"ERR max topics reached (2)\"}", a.next());

            a.send("{\"op\":\"publish\",\"channel\":\"c\",\"data\":\"x\"}");
            assertEquals("{\"event\":\"published\",\"channel\":\"c\",\"receivers\":0}", a.next(),
                    "the refused topic was not half subscribed");
            a.send("{\"op\":\"publish\",\"channel\":\"b\",\"data\":\"y\"}");
            assertEquals("{\"channel\":\"b\",\"data\":\"y\"}", a.next(), "the message reaches its own publisher first");
            assertEquals("{\"event\":\"published\",\"channel\":\"b\",\"receivers\":1}", a.next());
            a.close();
        }
    }

    @Test
    void anEventStreamOverTheTopicLimitIsRefusedWhole() throws Exception {
        try (WebServer w = WebServer.start(twoTopics())) {
            WebServer.Ws a = w.webSocket("/ws", "fanout.json");
            a.send("{\"op\":\"subscribe\",\"channel\":\"a\"}");
            assertEquals("{\"event\":\"subscribed\",\"channel\":\"a\"}", a.next());

            WebServer.Response r = w.request("GET", "/sse?channel=a&channel=b&channel=c", "", null);
            assertEquals(503, r.status());
            assertTrue(r.bodyText().contains("max topics reached (2)"), r.bodyText());
            // The refused stream's own subscription to b was undone: b still fits.
            a.send("{\"op\":\"subscribe\",\"channel\":\"b\"}");
            assertEquals("{\"event\":\"subscribed\",\"channel\":\"b\"}", a.next());
            a.close();
        }
    }
}
