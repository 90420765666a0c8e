package io.fanout.broker;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import io.fanout.engine.EventLoop;
import io.fanout.protocol.resp.it.RespConnection;
import io.fanout.server.FanoutServer;
import io.fanout.server.ServerConfig;
import io.fanout.testing.Await;

/**
 * The broker's side of the cluster link, without Redis: interest is reported once per topic
 * when the count across all loops goes 0→1 and 1→0, only LOCAL publishes are relayed, and a
 * message from the cluster feeds exactly the list it names and is never relayed again.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class RelayHooksTest {
    private FanoutServer server;
    private final List<String> calls = new CopyOnWriteArrayList<>();

    @BeforeEach
    void start() throws Exception {
        server = FanoutServer.start(ServerConfig.forTests().withIoThreads(2));
        server.broker().attachRelay(new Relay() {
            @Override
            public void interestChanged(TopicKind kind, TopicName topic, boolean interested) {
                calls.add((interested ? "+" : "-") + kind + " " + topic);
            }

            @Override
            public void relay(TopicKind kind, byte[] channel, ByteBuffer payload) {
                byte[] b = new byte[payload.remaining()];
                payload.get(payload.position(), b);
                calls.add("relay " + kind + " " + new String(channel, StandardCharsets.UTF_8) + " "
                        + new String(b, StandardCharsets.UTF_8));
            }
        });
    }

    @AfterEach
    void stop() {
        server.close();
    }

    @Test
    void interestIsReportedOnceAcrossLoopsOnFirstSubscriberAndLastOne() throws Exception {
        RespConnection b = null;
        try (RespConnection a = RespConnection.open(server.respAddress())) {
            b = RespConnection.open(server.respAddress()); // round-robin: the other loop
            a.call("SUBSCRIBE", "t");
            b.call("SUBSCRIBE", "t");
            b.call("PSUBSCRIBE", "t.*");
            b.call("SSUBSCRIBE", "s");
            a.call("UNSUBSCRIBE", "t");
            Await.until(() -> calls.size() >= 3, "three 0->1 reports");
            assertEquals(List.of("+CHANNEL t", "+PATTERN t.*", "+SHARD s"), calls);
            b.call("UNSUBSCRIBE", "t");
            Await.until(() -> calls.contains("-CHANNEL t"), "1->0 reported when the last one left");
            b.close(); // closing a connection drops its subscriptions too
            Await.until(() -> calls.contains("-PATTERN t.*") && calls.contains("-SHARD s"), "dropped with the connection");
            assertEquals(6, calls.size(), calls.toString());
        } finally {
            if (b != null) {
                b.close(); // closing twice is harmless; this one covers a failed assertion
            }
        }
    }

    @Test
    void localPublishesAreRelayedOnceAndClusterMessagesFeedOnlyTheirListAndAreNotRelayed() throws Exception {
        try (RespConnection channelSub = RespConnection.open(server.respAddress());
             RespConnection patternSub = RespConnection.open(server.respAddress());
             RespConnection pub = RespConnection.open(server.respAddress())) {
            channelSub.call("SUBSCRIBE", "news");
            patternSub.call("PSUBSCRIBE", "n*");
            assertEquals(2, pub.call("PUBLISH", "news", "local").asLong());
            assertEquals(0, pub.call("SPUBLISH", "news", "sharded").asLong(), "no shard subscriber here");
            assertEquals("local", channelSub.readOne().get(2).text());
            assertEquals("local", patternSub.readOne().get(3).text());
            calls.removeIf(c -> !c.startsWith("relay"));
            assertEquals(List.of("relay CHANNEL news local", "relay SHARD news sharded"), calls);

            // From the cluster, for the channel's list only: the pattern subscriber gets its
            // own copy only when Redis sends the pmessage (pattern named).
            for (EventLoop loop : server.engine().loops()) {
                loop.execute(() -> server.broker().deliverFromCluster(loop, TopicKind.CHANNEL,
                        "news".getBytes(StandardCharsets.UTF_8), null, ByteBuffer.wrap("remote".getBytes(StandardCharsets.UTF_8))));
                loop.execute(() -> server.broker().deliverFromCluster(loop, TopicKind.CHANNEL,
                        "news".getBytes(StandardCharsets.UTF_8), "n*".getBytes(StandardCharsets.UTF_8),
                        ByteBuffer.wrap("remote-p".getBytes(StandardCharsets.UTF_8))));
            }
            assertEquals("remote", channelSub.readOne().get(2).text());
            assertEquals("remote-p", patternSub.readOne().get(3).text());
            pub.call("PUBLISH", "news", "end");
            assertEquals("end", channelSub.readOne().get(2).text(), "no second copy reached the channel subscriber");
            assertEquals("end", patternSub.readOne().get(3).text(), "no second copy reached the pattern subscriber");
            assertEquals(List.of("relay CHANNEL news local", "relay SHARD news sharded", "relay CHANNEL news end"), calls,
                    "messages from the cluster are never relayed");
        }
    }
}
