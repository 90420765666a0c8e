package io.fanout.protocol.resp.it;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import io.fanout.server.FanoutServer;
import io.fanout.server.ServerConfig;

/**
 * What arrived first is served first, across connections: the loop handles ready sockets in
 * the order epoll reported them (Redis does the same), not in a hash set's order.
 * Redis's own test "PUBLISH/SUBSCRIBE after UNSUBSCRIBE without arguments"
 * (tests/unit/pubsub.tcl) sends UNSUBSCRIBE on one connection and, without waiting for its
 * reply, PUBLISH on another: the PUBLISH must find no receiver. As in Redis's test, the
 * subscriber is the connection served last before the pair is sent (epoll is level-triggered:
 * a socket returned by one wait is put back at the head of the ready list until the next wait
 * finds it idle, so the kernel's order is arrival order only for sockets that were idle).
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ReadyOrderTest {
    private static final int ROUNDS = 200;

    @Test
    void publishAfterUnsubscribeWithoutArgumentsCountsNoReceiver() throws Exception {
        try (FanoutServer server = FanoutServer.start(ServerConfig.forTests().withRespPort(0))) {
            int wrong = 0;
            for (int round = 0; round < ROUNDS; round++) {
                // Fresh connections each round: a hash set's order depends on the keys.
                try (RespConnection subscriber = RespConnection.open(server.respAddress());
                     RespConnection publisher = RespConnection.open(server.respAddress())) {
                    subscriber.send("SUBSCRIBE", "chan1", "chan2", "chan3");
                    assertEquals(3, subscriber.read(3).size());
                    subscriber.send("UNSUBSCRIBE");
                    long receivers = publisher.call("PUBLISH", "chan1", "hello").asLong();
                    List<RespValue> unsubscribed = subscriber.read(3);
                    assertEquals(3, unsubscribed.size(), "three unsubscribe replies");
                    if (receivers != 0) {
                        wrong++;
                    }
                }
            }
            assertEquals(0, wrong, "PUBLISH ran before an UNSUBSCRIBE sent earlier, in " + wrong + " of " + ROUNDS
                    + " rounds");
        }
    }
}
