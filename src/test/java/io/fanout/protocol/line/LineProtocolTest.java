package io.fanout.protocol.line;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fanout.engine.CloseReason;
import io.fanout.server.ServerConfig;
import io.fanout.testing.LineClient;
import io.fanout.testing.RunningServer;
import java.io.IOException;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The line protocol's rules at its edges, on real sockets: the --max-message limit, and the
 * AUTH handshake with --requirepass. Bad input costs only the client that sent it.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class LineProtocolTest {
    private static final int MAX = 1000;

    private RunningServer fanout;

    @AfterEach
    void checkNothingLeftBehind() throws InterruptedException {
        if (fanout != null) {
            fanout.close();
        }
    }

    private static byte[] line(int contentBytes, char fill) {
        byte[] b = new byte[contentBytes + 1];
        Arrays.fill(b, (byte) fill);
        b[contentBytes] = '\n';
        return b;
    }

    // ---- --max-message ------------------------------------------------------------------

    @Test
    void anOverLongLineGetsExactlyTheErrorLineThenACloseWhileOthersAreUntouched() throws IOException {
        fanout = RunningServer.start(ServerConfig.forTests().withMaxMessage(MAX));
        LineClient other = fanout.connect();
        LineClient offender = fanout.connect();
        fanout.awaitClients(2);

        offender.sendRaw(line(MAX + 1, 'x'));

        assertEquals("ERR line too long (max " + MAX + " bytes)", offender.readLine());
        assertEquals(0, offender.readUntilClosed().length, "nothing after the error line but the close");
        fanout.awaitClients(1);
        assertEquals(1, fanout.closed(CloseReason.MESSAGE_TOO_LONG));
        other.send("still here");
        assertEquals("still here", other.readLine(), "the over-long line was not broadcast, and the rest goes on");
    }

    @Test
    void anOverLongLineStillStreamingInGetsTheErrorLineBeforeTheClose() throws IOException {
        fanout = RunningServer.start(ServerConfig.forTests().withMaxMessage(MAX));
        LineClient offender = fanout.connect();
        fanout.awaitClients(1);

        byte[] endless = new byte[4 << 20];
        Arrays.fill(endless, (byte) 'y');
        try {
            offender.sendRaw(endless); // the server hangs up long before the end
        } catch (IOException expected) {
            // Broken pipe or reset: the server closed while we were still sending.
        }

        assertEquals("ERR line too long (max " + MAX + " bytes)", offender.readLine());
        fanout.awaitClients(0);
        assertEquals(1, fanout.closed(CloseReason.MESSAGE_TOO_LONG));
    }

    @Test
    void aLineOfExactlyMaxMessageBytesIsDeliveredWithEitherTerminator() throws IOException {
        fanout = RunningServer.start(ServerConfig.forTests().withMaxMessage(MAX));
        LineClient sender = fanout.connect();
        fanout.awaitClients(1);

        byte[] lf = line(MAX, 'l');
        byte[] crlf = Arrays.copyOf(line(MAX, 'c'), MAX + 2);
        crlf[MAX] = '\r';
        crlf[MAX + 1] = '\n';
        sender.sendRaw(lf);
        sender.sendRaw(crlf);

        assertEquals("l".repeat(MAX), sender.readLine());
        assertEquals("c".repeat(MAX), sender.readLine());
        assertEquals(0, fanout.closed(CloseReason.MESSAGE_TOO_LONG));
    }

    // ---- AUTH -----------------------------------------------------------------------------

    @Test
    void withAPasswordAClientJoinsAfterAuthAndOk() throws IOException {
        fanout = RunningServer.start(ServerConfig.forTests().withRequirePass("secret"));
        LineClient a = fanout.connect();
        LineClient b = fanout.connect();
        a.send("AUTH secret");
        b.sendRaw("AUTH secret\r\n".getBytes(UTF_8));
        assertEquals("OK", a.readLine());
        assertEquals("OK", b.readLine());

        a.send("hello");
        assertEquals("hello", a.readLine());
        assertEquals("hello", b.readLine());
    }

    @Test
    void aClientThatHasNotAuthenticatedReceivesNothing() throws IOException {
        fanout = RunningServer.start(ServerConfig.forTests().withRequirePass("secret"));
        LineClient member = fanout.connect();
        member.send("AUTH secret");
        assertEquals("OK", member.readLine());
        LineClient newcomer = fanout.connect();
        fanout.awaitClients(2);

        member.send("before you joined");
        assertEquals("before you joined", member.readLine()); // fanned out by now
        newcomer.send("AUTH secret");

        assertEquals("OK", newcomer.readLine(), "the first thing a newcomer sees is its OK");
        member.send("after");
        assertEquals("after", newcomer.readLine());
    }

    @Test
    void aWrongPasswordGetsAnErrorAndAClose() throws IOException {
        fanout = RunningServer.start(ServerConfig.forTests().withRequirePass("secret"));
        LineClient member = fanout.connect();
        member.send("AUTH secret");
        assertEquals("OK", member.readLine());
        LineClient intruder = fanout.connect();

        intruder.send("AUTH guess");

        assertEquals("ERR invalid password", intruder.readLine());
        assertEquals(0, intruder.readUntilClosed().length);
        fanout.awaitClients(1); // the server counts the close just after the socket goes
        assertEquals(1, fanout.closed(CloseReason.AUTH_FAILED));
    }

    @Test
    void anyOtherFirstLineGetsAnErrorAndACloseAndIsNotBroadcast() throws IOException {
        fanout = RunningServer.start(ServerConfig.forTests().withRequirePass("secret"));
        LineClient member = fanout.connect();
        member.send("AUTH secret");
        assertEquals("OK", member.readLine());
        LineClient intruder = fanout.connect();

        intruder.send("spam");

        String error = intruder.readLine();
        assertTrue(error.startsWith("ERR ") && error.contains("AUTH"), "got: " + error);
        assertEquals(0, intruder.readUntilClosed().length);
        fanout.awaitClients(1);
        assertEquals(1, fanout.closed(CloseReason.AUTH_FAILED));
        member.send("mine");
        assertEquals("mine", member.readLine(), "the intruder's line never reached a member");
    }
}
