package io.fanout.protocol.resp;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Request decoding against outcomes observed on a real redis-server 7.0.15 (raw bytes sent over
 * a socket; replies and connection closes recorded). Every table case is checked whole, split
 * in two at every byte, and fed one byte at a time through a compacting buffer (heap and
 * direct), because a server sees arbitrary TCP segmentation.
 */
class RespDecoderTest {

    static final int REDIS_MAX_BULK = 512 * 1024 * 1024; // Redis default proto-max-bulk-len
    static final int K64 = RespDecoder.REDIS_INLINE_MAX;

    // ----- harness ------------------------------------------------------------------------

    /** What a connection observes: decoded commands, then maybe an error, and unread bytes. */
    record Outcome(List<List<String>> commands, String error, int unread) {
        @Override
        public String toString() {
            return "commands=" + commands + " error=" + error + " unread=" + unread;
        }
    }

    /** Simulates a server connection: appends chunks to a buffer and drains the decoder. */
    static final class Feeder {
        final RespDecoder decoder;
        final RespArgs args = new RespArgs();
        final boolean compact;
        final boolean direct;
        ByteBuffer buf; // read mode: position..limit unread
        final List<List<String>> commands = new ArrayList<>();
        RespProtocolException error;

        Feeder(RespDecoder decoder, boolean compact, boolean direct) {
            this.decoder = decoder;
            this.compact = compact;
            this.direct = direct;
            this.buf = allocate(16);
            buf.flip();
        }

        ByteBuffer allocate(int n) {
            return direct ? ByteBuffer.allocateDirect(n) : ByteBuffer.allocate(n);
        }

        /** Appends {@code chunk}; after an error the bytes are only buffered, never decoded. */
        void feed(byte[] chunk) {
            int pos = buf.position();
            int lim = buf.limit();
            if (compact) {
                buf.compact(); // like a server making room: unread bytes move to index 0
                pos = 0;
                lim = buf.position();
            }
            if (buf.capacity() - lim < chunk.length) {
                ByteBuffer bigger = allocate(Math.max(2 * buf.capacity(), lim + chunk.length));
                buf.position(0).limit(lim);
                bigger.put(buf);
                buf = bigger;
            }
            buf.limit(buf.capacity()).position(lim);
            buf.put(chunk);
            buf.limit(buf.position()).position(pos);
            if (error == null) {
                drain();
            }
        }

        void drain() {
            try {
                while (decoder.tryDecode(buf, args)) {
                    commands.add(strings(args));
                }
            } catch (RespProtocolException e) {
                error = e;
            }
        }

        Outcome outcome() {
            return new Outcome(commands, error == null ? null : error.getMessage(), buf.remaining());
        }
    }

    static List<String> strings(RespArgs a) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < a.count(); i++) {
            out.add(new String(a.copy(i), ISO_8859_1));
        }
        return out;
    }

    static byte[] b(String latin1) {
        return latin1.getBytes(ISO_8859_1);
    }

    static Outcome whole(Supplier<RespDecoder> d, byte[] input) {
        Feeder f = new Feeder(d.get(), true, false);
        f.feed(input);
        return f.outcome();
    }

    /**
     * Asserts the same outcome for every segmentation we try. An expected {@code unread} of -1
     * means "all of the input" (nothing consumed).
     */
    static void assertAllSplits(Supplier<RespDecoder> d, byte[] input, Outcome expected) {
        if (expected.unread() < 0) {
            expected = new Outcome(expected.commands(), expected.error(), input.length);
        }
        assertEquals(expected, whole(d, input), "whole");
        for (int k = 0; k <= input.length; k++) {
            Feeder f = new Feeder(d.get(), k % 2 == 0, k % 3 == 0);
            f.feed(Arrays.copyOfRange(input, 0, k));
            f.feed(Arrays.copyOfRange(input, k, input.length));
            assertEquals(expected, f.outcome(), "split at " + k);
        }
        for (boolean direct : new boolean[] {false, true}) {
            for (boolean compact : new boolean[] {false, true}) {
                Feeder f = new Feeder(d.get(), compact, direct);
                for (int i = 0; i < input.length; i++) {
                    f.feed(new byte[] {input[i]});
                }
                assertEquals(expected, f.outcome(), "byte by byte, compact=" + compact + " direct=" + direct);
            }
        }
    }

    static Supplier<RespDecoder> redisDefaults() {
        return () -> new RespDecoder(REDIS_MAX_BULK, K64);
    }

    static Supplier<RespDecoder> unauthenticated() {
        return () -> {
            RespDecoder d = new RespDecoder(REDIS_MAX_BULK, K64);
            d.setAuthenticated(false);
            return d;
        };
    }

    static Outcome ok(List<List<String>> cmds, int unread) {
        return new Outcome(cmds, null, unread);
    }

    /** Incomplete: no command yet, every byte kept. */
    static Outcome pending() {
        return new Outcome(List.of(), null, -1);
    }

    static Outcome err(List<List<String>> cmds, String msg, int unread) {
        return new Outcome(cmds, msg, unread);
    }

    static List<List<String>> cmds(List<?>... c) {
        List<List<String>> out = new ArrayList<>();
        for (List<?> l : c) {
            List<String> s = new ArrayList<>();
            for (Object o : l) {
                s.add((String) o);
            }
            out.add(s);
        }
        return out;
    }

    static List<List<String>> none() {
        return List.of();
    }

    // ----- table of Redis-verified cases ----------------------------------------------------

    static Stream<Arguments> redisCases() {
        return Stream.of(
                // well-formed multibulk
                Arguments.of("*1\r\n$4\r\nPING\r\n", ok(cmds(List.of("PING")), 0)),
                Arguments.of("*3\r\n$7\r\nPUBLISH\r\n$2\r\nch\r\n$5\r\nhello\r\n",
                        ok(cmds(List.of("PUBLISH", "ch", "hello")), 0)),
                Arguments.of("*2\r\n$4\r\nECHO\r\n$6\r\na\r\nb\r\n\r\n", // binary-safe body
                        ok(cmds(List.of("ECHO", "a\r\nb\r\n")), 0)),
                Arguments.of("*2\r\n$4\r\nECHO\r\n$3\r\n\u0000\u00ff*\r\n", ok(cmds(List.of("ECHO", "\u0000\u00ff*")), 0)),
                Arguments.of("*1\r\n$0\r\n\r\n", ok(cmds(List.of("")), 0)),
                // pipelining, with empty requests Redis skips
                Arguments.of("*1\r\n$4\r\nPING\r\n*1\r\n$4\r\nPING\r\n", ok(cmds(List.of("PING"), List.of("PING")), 0)),
                Arguments.of("*0\r\nPING\r\n", ok(cmds(List.of("PING")), 0)),
                Arguments.of("*-1\r\n*-10\r\nPING\r\n", ok(cmds(List.of("PING")), 0)),
                Arguments.of("*0\r\n", ok(none(), 0)),
                // Redis never checks the bytes after '\r' or after a bulk body
                Arguments.of("*1\r\n$4\r\nPINGxx", ok(cmds(List.of("PING")), 0)),
                Arguments.of("*1\rX$4\r\nPING\r\n", ok(cmds(List.of("PING")), 0)),
                Arguments.of("*1\r\n$4\rXPING\r\n", ok(cmds(List.of("PING")), 0)),
                // inline
                Arguments.of("PING\n", ok(cmds(List.of("PING")), 0)),
                Arguments.of("\r\nPING\r\n", ok(cmds(List.of("PING")), 0)),
                Arguments.of("\nPING\r\n", ok(cmds(List.of("PING")), 0)),
                Arguments.of("   \t \r\nPING\n", ok(cmds(List.of("PING")), 0)),
                Arguments.of("\r\r\nPING\n", ok(cmds(List.of("PING")), 0)),
                Arguments.of("ECHO \"a\\x41b\"\n", ok(cmds(List.of("ECHO", "aAb")), 0)),
                Arguments.of("ECHO \"a\\x4\"\n", ok(cmds(List.of("ECHO", "ax4")), 0)),
                Arguments.of("ECHO \"a\\x4g\"\n", ok(cmds(List.of("ECHO", "ax4g")), 0)),
                Arguments.of("ECHO \"a\\xzz\"\n", ok(cmds(List.of("ECHO", "axzz")), 0)),
                Arguments.of("ECHO \"\\xfF\\x00\"\n", ok(cmds(List.of("ECHO", "\u00ff\u0000")), 0)),
                Arguments.of("ECHO \"\\n\\r\\t\\b\\a\\\\\\\"\\q\"\n", ok(cmds(List.of("ECHO", "\n\r\t\b\u0007\\\"q")), 0)),
                Arguments.of("ECHO 'it\\'s'\n", ok(cmds(List.of("ECHO", "it's")), 0)),
                Arguments.of("ECHO 'a\\nb'\n", ok(cmds(List.of("ECHO", "a\\nb")), 0)),
                Arguments.of("ECHO 'a\\\\b'\n", ok(cmds(List.of("ECHO", "a\\\\b")), 0)),
                Arguments.of("ECHO a\"b\"\n", ok(cmds(List.of("ECHO", "ab")), 0)),
                Arguments.of("ECHO \"a\"\tb\n", ok(cmds(List.of("ECHO", "a", "b")), 0)),
                Arguments.of("ECHO \"a\"\rb\n", ok(cmds(List.of("ECHO", "a", "b")), 0)),
                Arguments.of("ECHO\t\tx\n", ok(cmds(List.of("ECHO", "x")), 0)),
                Arguments.of("ECHO \u000bx\u000c\n", ok(cmds(List.of("ECHO", "x\u000c")), 0)),
                Arguments.of("ECHO a\u000bb\n", ok(cmds(List.of("ECHO", "a\u000bb")), 0)),
                Arguments.of("ECHO a\u000cb\n", ok(cmds(List.of("ECHO", "a\u000cb")), 0)),
                Arguments.of("ECHO \"a\"\u000bb\n", ok(cmds(List.of("ECHO", "a", "b")), 0)),
                Arguments.of("ECHO 'a'\u000c\n", ok(cmds(List.of("ECHO", "a")), 0)),
                Arguments.of("ECHO \"\" \n", ok(cmds(List.of("ECHO", "")), 0)),
                Arguments.of("\"\"\n", ok(cmds(List.of("")), 0)),
                Arguments.of("ECHO x\r\r\n", ok(cmds(List.of("ECHO", "x")), 0)),
                Arguments.of("ECHO x\ry\n", ok(cmds(List.of("ECHO", "x", "y")), 0)),
                Arguments.of("ECHO \"x\ry\"\n", ok(cmds(List.of("ECHO", "x\ry")), 0)),
                Arguments.of("SUBSCRIBE a b c\r\n", ok(cmds(List.of("SUBSCRIBE", "a", "b", "c")), 0)),
                // incomplete: nothing yet, bytes kept
                Arguments.of("*2147483647\r\n", pending()),
                Arguments.of("*2000000\r\n", pending()),
                Arguments.of("*1\r", pending()),
                Arguments.of("*1\r\n$4\r", pending()),
                Arguments.of("*1\r\n$4\r\nPING", pending()),
                Arguments.of("*1\r\n$4\r\nPING\r", pending()),
                Arguments.of("PING", pending()),
                Arguments.of("PING\r", pending()),
                // a NUL hides the terminator from Redis's strchr: the line never completes
                Arguments.of("*1\u0000\r\n", pending()),
                Arguments.of("*1\r\n$4\u0000\r\nPING\r\n", pending()),
                Arguments.of("\u0000PING\n", pending()),
                Arguments.of("PI\u0000NG\n", pending()),
                // errors, after the commands before them
                Arguments.of("*2147483648\r\n", err(none(), "Protocol error: invalid multibulk length", -1)),
                Arguments.of("*9223372036854775808\r\n", err(none(), "Protocol error: invalid multibulk length", -1)),
                Arguments.of("*abc\r\n", err(none(), "Protocol error: invalid multibulk length", -1)),
                Arguments.of("*\r\n", err(none(), "Protocol error: invalid multibulk length", -1)),
                Arguments.of("*-0\r\n", err(none(), "Protocol error: invalid multibulk length", -1)),
                Arguments.of("*01\r\n", err(none(), "Protocol error: invalid multibulk length", -1)),
                Arguments.of("*+1\r\n", err(none(), "Protocol error: invalid multibulk length", -1)),
                Arguments.of("* 1\r\n", err(none(), "Protocol error: invalid multibulk length", -1)),
                Arguments.of("*1 \r\n", err(none(), "Protocol error: invalid multibulk length", -1)),
                Arguments.of("*1\n$4\r\nPING\r\n", err(none(), "Protocol error: invalid multibulk length", -1)),
                Arguments.of("*1048577\r\nPING\r\n", err(none(), "Protocol error: expected '$', got 'P'", -1)),
                Arguments.of("*1\r\nfoo\r\n", err(none(), "Protocol error: expected '$', got 'f'", -1)),
                Arguments.of("*1\r\n\r\n", err(none(), "Protocol error: expected '$', got ' '", -1)),
                Arguments.of("*1\r\n\n\r\n", err(none(), "Protocol error: expected '$', got ' '", -1)),
                Arguments.of("*1\r\n\u0001\r\n", err(none(), "Protocol error: expected '$', got '\u0001'", -1)),
                Arguments.of("*1\r\n\u00ff\r\n", err(none(), "Protocol error: expected '$', got '\u00ff'", -1)),
                Arguments.of("*3\r\n$3\r\nSET\r\n$1\r\nx\r\nfooz\r\n", err(none(), "Protocol error: expected '$', got 'f'", -1)),
                Arguments.of("*1\r\n$abc\r\n", err(none(), "Protocol error: invalid bulk length", -1)),
                Arguments.of("*1\r\n$-5\r\n", err(none(), "Protocol error: invalid bulk length", -1)),
                Arguments.of("*1\r\n$-1\r\n", err(none(), "Protocol error: invalid bulk length", -1)),
                Arguments.of("*1\r\n$\r\n", err(none(), "Protocol error: invalid bulk length", -1)),
                Arguments.of("*1\r\n$01\r\nx\r\n", err(none(), "Protocol error: invalid bulk length", -1)),
                Arguments.of("*1\r\n$536870913\r\n", err(none(), "Protocol error: invalid bulk length", -1)),
                Arguments.of("*1\r\n$4\r\nPING\r\n*1\r\n$x\r\n", err(cmds(List.of("PING")), "Protocol error: invalid bulk length", 8)),
                Arguments.of("ECHO \"a\"b\n", err(none(), "Protocol error: unbalanced quotes in request", -1)),
                Arguments.of("ECHO 'a'b\n", err(none(), "Protocol error: unbalanced quotes in request", -1)),
                Arguments.of("ECHO \"a\n", err(none(), "Protocol error: unbalanced quotes in request", -1)),
                Arguments.of("ECHO 'it's'\n", err(none(), "Protocol error: unbalanced quotes in request", -1)),
                Arguments.of("ECHO \"a\\\"\n", err(none(), "Protocol error: unbalanced quotes in request", -1)),
                Arguments.of("PING\nECHO \"x\n", err(cmds(List.of("PING")), "Protocol error: unbalanced quotes in request", 8)));
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @MethodSource("redisCases")
    void matchesRedisForEverySegmentation(String input, Outcome expected) {
        assertAllSplits(redisDefaults(), b(input), expected);
    }

    static Stream<Arguments> unauthenticatedCases() {
        return Stream.of(
                Arguments.of("*10\r\n", pending()),
                Arguments.of("*11\r\n", err(none(), "Protocol error: unauthenticated multibulk length", -1)),
                Arguments.of("*0\r\n*11\r\n", err(none(), "Protocol error: unauthenticated multibulk length", 5)),
                Arguments.of("*2147483648\r\n", err(none(), "Protocol error: invalid multibulk length", -1)),
                Arguments.of("*abc\r\n", err(none(), "Protocol error: invalid multibulk length", -1)),
                Arguments.of("*1\r\n$16384\r\n", pending()),
                Arguments.of("*1\r\n$16385\r\n", err(none(), "Protocol error: unauthenticated bulk length", -1)),
                Arguments.of("*1\r\n$536870913\r\n", err(none(), "Protocol error: invalid bulk length", -1)),
                Arguments.of("*1\r\n$-1\r\n", err(none(), "Protocol error: invalid bulk length", -1)),
                Arguments.of("*1\r\nx\r\n", err(none(), "Protocol error: expected '$', got 'x'", -1)),
                Arguments.of("*1\r\n$4\r\nAUTH\r\n", ok(cmds(List.of("AUTH")), 0)),
                // inline requests have no unauthenticated limit besides the inline size
                Arguments.of("SUBSCRIBE a b c d e f g h i j k l\n",
                        ok(cmds(List.of("SUBSCRIBE", "a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k", "l")), 0)));
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @MethodSource("unauthenticatedCases")
    void unauthenticatedLimitsLikeRedis(String input, Outcome expected) {
        assertAllSplits(unauthenticated(), b(input), expected);
    }

    @Test
    void authenticatingLiftsTheLimits() {
        RespDecoder d = new RespDecoder(REDIS_MAX_BULK, K64);
        d.setAuthenticated(false);
        assertFalse(d.isAuthenticated());
        Feeder f = new Feeder(d, true, false);
        f.feed(b("AUTH secret\n"));
        assertEquals(cmds(List.of("AUTH", "secret")), f.commands);
        d.setAuthenticated(true); // the server does this after AUTH succeeds
        f.feed(b("*11\r\n"));
        assertNull(f.error);
    }

    // ----- size limits: exactly when the "too big" errors fire -------------------------------

    static byte[] repeat(String prefix, char c, int n, String suffix) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(b(prefix));
        byte[] body = new byte[n];
        Arrays.fill(body, (byte) c);
        out.writeBytes(body);
        out.writeBytes(b(suffix));
        return out.toByteArray();
    }

    /** Feeds {@code quiet} (no error expected), then one more byte, which must trigger {@code msg}. */
    static void assertErrorOnExactByte(byte[] quiet, byte next, String msg) {
        for (int chunk : new int[] {quiet.length, 4096, 1000}) {
            Feeder f = new Feeder(new RespDecoder(REDIS_MAX_BULK, K64), true, false);
            for (int i = 0; i < quiet.length; i += chunk) {
                f.feed(Arrays.copyOfRange(quiet, i, Math.min(quiet.length, i + chunk)));
            }
            assertNull(f.error, "no error before the limit");
            assertTrue(f.commands.isEmpty());
            f.feed(new byte[] {next});
            assertNotNull(f.error, "error once past the limit");
            assertEquals(msg, f.error.getMessage());
            assertTrue(f.error.replyBeforeClose());
        }
    }

    @Test
    void tooBigMultibulkCountFiresPast64KiBWithoutCR() {
        // Redis: '*' + 65535 digits (65536 bytes) waits; one more byte is an error.
        assertErrorOnExactByte(repeat("*", '1', K64 - 1, ""), (byte) '1', "Protocol error: too big mbulk count string");
    }

    @Test
    void tooBigBulkCountFiresPast64KiBFromTheBulkHeader() {
        // The count is measured from the '$' line, not from the start of the command.
        assertErrorOnExactByte(repeat("*1\r\n$", '1', K64 - 1, ""), (byte) '1', "Protocol error: too big bulk count string");
    }

    @Test
    void tooBigInlineFiresPast64KiBWithoutLF() {
        assertErrorOnExactByte(repeat("", 'P', K64, ""), (byte) 'P', "Protocol error: too big inline request");
    }

    @Test
    void nulBeforeTerminatorEndsInTooBigError() {
        // Redis: "*1\0" then CRLFs never completes the line; past 64 KiB it is "too big".
        byte[] quiet = repeat("*1\u0000", '\r', K64 - 3, "");
        assertErrorOnExactByte(quiet, (byte) '\n', "Protocol error: too big mbulk count string");
        byte[] inline = repeat("ECHO a\u0000", 'b', K64 - 7, "");
        assertErrorOnExactByte(inline, (byte) '\n', "Protocol error: too big inline request");
    }

    @Test
    void lineErrorsWaitForTheByteAfterCarriageReturnLikeRedis() {
        // Redis 7.0.15 sent nothing for "*1\r\n$abc\r" until one more byte arrived.
        String[][] cases = {
            {"*1\r\n$abc\r", "Protocol error: invalid bulk length"},
            {"*abc\r", "Protocol error: invalid multibulk length"},
            {"*1\r\nfoo\r", "Protocol error: expected '$', got 'f'"},
        };
        for (String[] c : cases) {
            Feeder f = new Feeder(new RespDecoder(REDIS_MAX_BULK, K64), true, false);
            f.feed(b(c[0]));
            assertNull(f.error, c[0]);
            f.feed(b("\n"));
            assertNotNull(f.error, c[0]);
            assertEquals(c[1], f.error.getMessage());
        }
    }

    @Test
    void inlineLineOver64KiBIsAcceptedWhenItArrivesWholeLikeRedis() {
        // Redis 7.0.15 answered a 65557-byte inline line sent in one write: the limit only
        // applies while no '\n' has been seen.
        byte[] line = repeat("ECHO ", 'P', K64 + 10, "\n");
        Outcome o = whole(redisDefaults(), line);
        assertNull(o.error());
        assertEquals(1, o.commands().size());
        assertEquals(K64 + 10, o.commands().get(0).get(1).length());
    }

    @Test
    void oversizedBulkRefusedAtHeaderTime() {
        Supplier<RespDecoder> d = () -> new RespDecoder(100, K64);
        // Header alone, no body bytes at all: refused immediately.
        assertAllSplits(d, b("*2\r\n$7\r\nPUBLISH\r\n$101\r\n"),
                err(none(), "Protocol error: invalid bulk length", -1));
        byte[] ok = repeat("*1\r\n$100\r\n", 'x', 100, "\r\n");
        assertEquals(1, whole(d, ok).commands().size());
    }

    @Test
    void commandLargerThanBufferLimitIsRefusedWithoutWaitingForIt() {
        Supplier<RespDecoder> d = () -> new RespDecoder(100, 64, 200);
        RespDecoder probe = d.get();
        assertEquals(200, probe.maxBufferNeeded());
        byte[] first = repeat("*3\r\n$3\r\nPUB\r\n$100\r\n", 'c', 100, "\r\n");
        Outcome o = whole(d, repeat(new String(first, ISO_8859_1), 'x', 0, "$100\r\n"));
        assertEquals("Protocol error: request larger than 200 bytes", o.error());
        Feeder f = new Feeder(d.get(), true, false);
        f.feed(first);
        f.feed(b("$100\r\n"));
        assertNotNull(f.error);
        assertFalse(f.error.replyBeforeClose(), "Redis closes silently on its query buffer limit");
    }

    @Test
    void neverStuckOnAFullBufferOfMaxBufferNeededBytes() {
        // Many small args that together exceed the limit: the decoder must throw rather than
        // return false once the caller's buffer is as large as maxBufferNeeded().
        RespDecoder d = new RespDecoder(100, 64, 200);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(b("*1000\r\n"));
        for (int i = 0; i < 100; i++) {
            out.writeBytes(b("$1\r\nx\r\n"));
        }
        ByteBuffer buf = ByteBuffer.allocate(d.maxBufferNeeded());
        buf.put(out.toByteArray(), 0, buf.capacity()).flip();
        RespProtocolException e = assertThrows(RespProtocolException.class, () -> d.tryDecode(buf, new RespArgs()));
        assertFalse(e.replyBeforeClose());
    }

    @Test
    void longHeaderLineEndingInCrOnAFullBufferIsDecidedNow() {
        // A header longer than the inline limit whose '\r' is the last buffered byte cannot be a
        // valid number; Redis would fail it once the next byte arrives. Deciding now keeps a
        // maxBufferNeeded()-sized buffer from stalling.
        RespDecoder d = new RespDecoder(100, 64, 200);
        byte[] line = repeat("*", '1', 150, "\r");
        RespProtocolException e = assertThrows(RespProtocolException.class,
                () -> d.tryDecode(ByteBuffer.wrap(line), new RespArgs()));
        assertEquals("Protocol error: invalid multibulk length", e.getMessage());
    }

    // ----- state handling ----------------------------------------------------------------

    @Test
    void positionMovesOnlyPastCompleteCommandsAndSkippedEmptyOnes() {
        RespDecoder d = new RespDecoder(REDIS_MAX_BULK, K64);
        RespArgs a = new RespArgs();
        ByteBuffer in = ByteBuffer.wrap(b("*0\r\n\r\n*1\r\n$4\r\nPI"));
        assertFalse(d.tryDecode(in, a));
        assertEquals(6, in.position(), "empty requests are consumed, the partial one is not");
        ByteBuffer more = ByteBuffer.wrap(b("*0\r\n\r\n*1\r\n$4\r\nPING\r\n"));
        more.position(6);
        assertTrue(d.tryDecode(more, a));
        assertEquals(more.limit(), more.position());
        assertEquals(List.of("PING"), strings(a));
    }

    @Test
    void argsPointIntoTheCallersBufferForMultibulk() {
        RespDecoder d = new RespDecoder(REDIS_MAX_BULK, K64);
        RespArgs a = new RespArgs();
        ByteBuffer in = ByteBuffer.wrap(b("*2\r\n$4\r\nECHO\r\n$2\r\nhi\r\n"));
        assertTrue(d.tryDecode(in, a));
        in.put(18, (byte) 'H'); // zero copy: the argument sees the caller's bytes
        assertEquals("Hi", a.string(1));
    }

    @Test
    void resetDropsAPartialCommand() {
        RespDecoder d = new RespDecoder(REDIS_MAX_BULK, K64);
        RespArgs a = new RespArgs();
        assertFalse(d.tryDecode(ByteBuffer.wrap(b("*2\r\n$4\r\nECHO\r\n")), a));
        d.reset();
        assertTrue(d.tryDecode(ByteBuffer.wrap(b("PING\r\n")), a));
        assertEquals(List.of("PING"), strings(a));
    }

    @Test
    void manyArgumentsGrowStorage() {
        StringBuilder sb = new StringBuilder("*1000\r\n");
        for (int i = 0; i < 1000; i++) {
            String s = Integer.toString(i);
            sb.append('$').append(s.length()).append("\r\n").append(s).append("\r\n");
        }
        Outcome o = whole(redisDefaults(), b(sb.toString()));
        assertEquals(1000, o.commands().get(0).size());
        assertEquals("999", o.commands().get(0).get(999));
    }

    @Test
    void constructorRejectsInconsistentLimits() {
        assertThrows(IllegalArgumentException.class, () -> new RespDecoder(-1, K64));
        assertThrows(IllegalArgumentException.class, () -> new RespDecoder(100, 0));
        assertThrows(IllegalArgumentException.class, () -> new RespDecoder(100, 64, 64));
        assertThrows(IllegalArgumentException.class, () -> new RespDecoder(1000, 64, 500));
        assertTrue(new RespDecoder(REDIS_MAX_BULK, K64).maxBufferNeeded() > REDIS_MAX_BULK);
    }

    // ----- RespArgs accessors ------------------------------------------------------------

    static RespArgs decodeOne(String input, boolean direct) {
        byte[] bytes = b(input);
        ByteBuffer in = direct ? ByteBuffer.allocateDirect(bytes.length) : ByteBuffer.allocate(bytes.length);
        in.put(bytes).flip();
        RespArgs a = new RespArgs();
        assertTrue(new RespDecoder(REDIS_MAX_BULK, K64).tryDecode(in, a));
        return a;
    }

    @Test
    void argsAccessorsOnEverySource() {
        for (String input : new String[] {"*3\r\n$9\r\nSuBsCrIbE\r\n$4\r\nn\u00c3\u00a9s\r\n$3\r\n-42\r\n", "SuBsCrIbE \"n\\xc3\\xa9s\" -42\n"}) {
            for (boolean direct : new boolean[] {false, true}) {
                RespArgs a = decodeOne(input, direct);
                assertEquals(3, a.count());
                assertEquals(9, a.length(0));
                assertEquals('B', a.byteAt(0, 2));
                assertTrue(a.equalsIgnoreCase(0, "subscribe"));
                assertTrue(a.equalsIgnoreCase(0, "SUBSCRIBE"));
                assertFalse(a.equalsIgnoreCase(0, "subscrib"));
                assertFalse(a.equalsIgnoreCase(0, "unsubscri"));
                assertEquals("subscribe", a.asciiLower(0));
                assertEquals("n\u00e9s", a.string(1)); // UTF-8 decoded
                assertArrayEquals(new byte[] {'n', (byte) 0xC3, (byte) 0xA9, 's'}, a.copy(1));
                assertTrue(a.contentEquals(1, new byte[] {'n', (byte) 0xC3, (byte) 0xA9, 's'}));
                assertEquals(-42, a.parseLong(2));
                ByteBuffer dst = ByteBuffer.allocate(10);
                dst.put((byte) '>');
                a.copyTo(1, dst);
                assertEquals(5, dst.position());
                assertEquals((byte) 0xA9, dst.get(3));
                byte[] arr = new byte[6];
                a.copyTo(2, arr, 2);
                assertArrayEquals(new byte[] {0, 0, '-', '4', '2', 0}, arr);
                assertThrows(IndexOutOfBoundsException.class, () -> a.length(3));
                assertThrows(IndexOutOfBoundsException.class, () -> a.byteAt(2, 3));
                assertThrows(java.nio.BufferOverflowException.class, () -> a.copyTo(0, ByteBuffer.allocate(3)));
            }
        }
    }

    @Test
    void equalsIgnoreCaseUsesAsciiRulesOnly() {
        RespArgs a = decodeOne("*1\r\n$2\r\n\u00c9A\r\n", false);
        assertFalse(a.equalsIgnoreCase(0, "\u00e9a"), "no Latin-1 case folding");
        assertFalse(a.equalsIgnoreCase(0, "\u00c9a"), "non-ASCII pattern chars never match");
        assertEquals("\u00c9a", a.asciiLower(0));
    }

    static Stream<Arguments> string2llCases() {
        return Stream.of(
                Arguments.of("0", 0L), Arguments.of("1", 1L), Arguments.of("-1", -1L),
                Arguments.of("9223372036854775807", Long.MAX_VALUE),
                Arguments.of("-9223372036854775808", Long.MIN_VALUE),
                Arguments.of("9223372036854775808", null), Arguments.of("-9223372036854775809", null),
                Arguments.of("18446744073709551616", null), Arguments.of("000000000000000000001", null),
                Arguments.of("", null), Arguments.of("-", null), Arguments.of("-0", null), Arguments.of("00", null),
                Arguments.of("01", null), Arguments.of("+1", null), Arguments.of(" 1", null), Arguments.of("1 ", null),
                Arguments.of("1.0", null), Arguments.of("1e3", null), Arguments.of("0x10", null), Arguments.of("--1", null),
                Arguments.of("12a", null));
    }

    @ParameterizedTest(name = "string2ll({0})")
    @MethodSource("string2llCases")
    void parseLongFollowsString2ll(String text, Long expected) {
        RespArgs a = decodeOne("*1\r\n$" + text.length() + "\r\n" + text + "\r\n", false);
        if (expected == null) {
            assertThrows(NumberFormatException.class, () -> a.parseLong(0));
        } else {
            assertEquals(expected, a.parseLong(0));
        }
    }
}
