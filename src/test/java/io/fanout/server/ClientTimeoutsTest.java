package io.fanout.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import io.fanout.engine.CloseReason;
import io.fanout.engine.EventLoop;
import io.fanout.protocol.resp.it.RespConnection;
import io.fanout.testing.LineClient;

/**
 * --auth-timeout and --timeout on a manual clock: the test drives the one loop turn by turn
 * and moves time by hand, so "ten seconds later" takes no ten seconds.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ClientTimeoutsTest {
    private static final long SECOND = 1_000_000_000L;
    private final AtomicLong clockNanos = new AtomicLong(1_000 * SECOND);
    private FanoutServer server;
    private EventLoop loop;

    private void start(ServerConfig config) throws IOException {
        server = FanoutServer.bindForTest(config.withRespPort(0), clockNanos::get);
        loop = server.engine().loops().get(0);
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    private void turnUntil(BooleanSupplier condition, String what) throws IOException {
        long end = System.nanoTime() + 10 * SECOND;
        while (!condition.getAsBoolean()) {
            assertTrue(System.nanoTime() < end, "timed out waiting for: " + what);
            loop.runTurn();
        }
    }

    /** Moves the clock and runs one turn: its housekeeping sees the new time (timers are due). */
    private void advance(long nanos) throws IOException {
        clockNanos.addAndGet(nanos);
        loop.runTurn();
    }

    private long closed(CloseReason reason) {
        return loop.stats().closed(reason);
    }

    private static boolean hasInput(java.net.Socket s) {
        try {
            return s.getInputStream().available() > 0;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private RespConnection resp() throws IOException {
        RespConnection c = RespConnection.open(server.respAddress());
        int before = server.engine().connectedClients();
        turnUntil(() -> server.engine().connectedClients() > before, "RESP client registered");
        return c;
    }

    private LineClient line() throws IOException {
        LineClient c = LineClient.connect(server.lineAddress());
        int before = server.engine().connectedClients();
        turnUntil(() -> server.engine().connectedClients() > before, "line client registered");
        return c;
    }

    private String call(RespConnection c, String... args) throws IOException {
        c.send(args);
        turnUntil(() -> hasInput(c.socket()), "a reply to " + args[0]);
        return c.readOne().text();
    }

    @Test
    void authTimeoutClosesClientsThatHaveNotAuthenticatedAndNobodyElse() throws Exception {
        start(ServerConfig.forTests().withRequirePass("s3cret")
                .withLimits(new ConnectionLimits(0, 0, 10 * SECOND, 0)));
        try (RespConnection silent = resp(); RespConnection authed = resp(); LineClient lineSilent = line();
             LineClient lineAuthed = line()) {
            assertEquals("OK", call(authed, "AUTH", "s3cret"));
            lineAuthed.send("AUTH s3cret");
            turnUntil(() -> hasInput(lineAuthed.socket()), "line AUTH reply");
            assertEquals("OK", lineAuthed.readLine());

            advance(9 * SECOND);
            assertEquals(0, closed(CloseReason.AUTH_TIMEOUT), "nine seconds: not yet");
            assertEquals(4, server.engine().connectedClients());

            advance(1 * SECOND);
            turnUntil(() -> closed(CloseReason.AUTH_TIMEOUT) == 2, "both unauthenticated clients cut");
            assertEquals(2, server.engine().connectedClients(), "the authenticated ones stay");
            assertEquals("ERR authentication timeout", lineSilent.readLine());
            assertEquals(0, silent.readUntilClosed().size(), "RESP: closed silently, as Redis closes");

            advance(60 * SECOND);
            assertEquals(2, server.engine().connectedClients(), "authenticated clients have no auth timer");
            assertEquals("PONG", call(authed, "PING"));
        }
    }

    @Test
    void idleTimeoutClosesIdleClientsButNeverSubscribers() throws Exception {
        start(ServerConfig.forTests().withLimits(new ConnectionLimits(0, 0, 10 * SECOND, 60 * SECOND)));
        try (RespConnection idle = resp(); RespConnection busy = resp(); RespConnection subscriber = resp();
             LineClient lineClient = line()) {
            assertTrue(lineClient.socket().isConnected());
            assertEquals("PONG", call(idle, "PING"));
            subscriber.send("SUBSCRIBE", "news");
            turnUntil(() -> hasInput(subscriber.socket()), "subscribe reply");
            subscriber.readOne();

            advance(50 * SECOND);
            assertEquals("PONG", call(busy, "PING")); // activity restarts its idle clock
            advance(11 * SECOND);
            turnUntil(() -> closed(CloseReason.IDLE_TIMEOUT) == 1, "the idle client cut");
            assertEquals(0, idle.readUntilClosed().size());
            assertEquals(3, server.engine().connectedClients(), "busy client, subscriber, line client stay");

            advance(60 * SECOND);
            turnUntil(() -> closed(CloseReason.IDLE_TIMEOUT) == 2, "the busy client, idle since, cut too");
            advance(600 * SECOND);
            assertEquals(2, server.engine().connectedClients(), "subscribers (RESP and line) are never idle-cut");
            assertEquals(0, closed(CloseReason.AUTH_TIMEOUT), "no password: no auth timer");
        }
    }

    @Test
    void aLongFirstLineBeforeAuthIsRefusedEarly() throws Exception {
        start(ServerConfig.forTests().withRequirePass("s3cret"));
        try (LineClient c = line()) {
            c.sendRaw(new byte[4096]); // no newline: never a password
            turnUntil(() -> hasInput(c.socket()), "the refusal");
            assertEquals("ERR line too long before AUTH (max 1024 bytes)", c.readLine());
            turnUntil(() -> closed(CloseReason.AUTH_FAILED) == 1, "closed");
        }
    }
}
