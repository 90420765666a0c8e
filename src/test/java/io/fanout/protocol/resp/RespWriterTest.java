package io.fanout.protocol.resp;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;
import java.util.stream.Stream;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Exact reply bytes, as redis-server 7.0.15 frames the same reply types in RESP2 and RESP3. */
class RespWriterTest {

    static String written(Consumer<RespWriter> action) {
        RespWriter w = new RespWriter(16);
        action.accept(w);
        return new String(w.toByteArray(), ISO_8859_1);
    }

    static Stream<Arguments> frames() {
        return Stream.of(
                Arguments.of(written(w -> w.simple("OK")), "+OK\r\n"),
                Arguments.of(written(w -> w.simple("a\r\nb")), "+a  b\r\n"),
                Arguments.of(written(w -> w.error("ERR unknown command")), "-ERR unknown command\r\n"),
                Arguments.of(written(w -> w.error("ERR bad\nthing")), "-ERR bad thing\r\n"),
                Arguments.of(written(w -> w.error(new byte[] {'E', 'R', 'R', ' ', (byte) 0xFF, '\r'})), "-ERR \u00ff \r\n"),
                Arguments.of(written(w -> w.integer(0)), ":0\r\n"),
                Arguments.of(written(w -> w.integer(-1)), ":-1\r\n"),
                Arguments.of(written(w -> w.integer(Long.MAX_VALUE)), ":9223372036854775807\r\n"),
                Arguments.of(written(w -> w.integer(Long.MIN_VALUE)), ":-9223372036854775808\r\n"),
                Arguments.of(written(w -> w.bulk(new byte[0])), "$0\r\n\r\n"),
                Arguments.of(written(w -> w.bulk(new byte[] {'a', '\r', '\n', 0})), "$4\r\na\r\n\u0000\r\n"),
                Arguments.of(written(w -> w.bulk("xhellox".getBytes(ISO_8859_1), 1, 5)), "$5\r\nhello\r\n"),
                Arguments.of(written(w -> w.bulk("n\u00e9s")), "$4\r\nn\u00c3\u00a9s\r\n"),
                Arguments.of(written(w -> w.bulk("\ud83d\ude00")), "$4\r\n\u00f0\u009f\u0098\u0080\r\n"),
                Arguments.of(written(w -> w.bulk("a\ud800b")), "$3\r\na?b\r\n"),
                Arguments.of(written(w -> w.bulk("\u20ac")), "$3\r\n\u00e2\u0082\u00ac\r\n"),
                Arguments.of(written(w -> w.nullBulk(2)), "$-1\r\n"),
                Arguments.of(written(w -> w.nullBulk(3)), "_\r\n"),
                Arguments.of(written(w -> w.nullArray(2)), "*-1\r\n"),
                Arguments.of(written(w -> w.nullArray(3)), "_\r\n"),
                Arguments.of(written(w -> w.arrayHeader(0)), "*0\r\n"),
                Arguments.of(written(w -> w.arrayHeader(3)), "*3\r\n"),
                Arguments.of(written(w -> w.pushHeader(3, 2)), "*3\r\n"),
                Arguments.of(written(w -> w.pushHeader(3, 3)), ">3\r\n"),
                Arguments.of(written(w -> w.mapHeader(2, 2)), "*4\r\n"),
                Arguments.of(written(w -> w.mapHeader(2, 3)), "%2\r\n"),
                Arguments.of(written(w -> w.setHeader(5, 2)), "*5\r\n"),
                Arguments.of(written(w -> w.setHeader(5, 3)), "~5\r\n"),
                Arguments.of(written(w -> w.verbatim("txt", "hi\n", 3)), "=7\r\ntxt:hi\n\r\n"),
                Arguments.of(written(w -> w.verbatim("txt", "hi\n", 2)), "$3\r\nhi\n\r\n"),
                Arguments.of(written(w -> w.bool(true, 3)), "#t\r\n"),
                Arguments.of(written(w -> w.bool(false, 3)), "#f\r\n"),
                Arguments.of(written(w -> w.bool(true, 2)), ":1\r\n"),
                Arguments.of(written(w -> w.bool(false, 2)), ":0\r\n"),
                // Doubles as Redis 7.0 sends ZSCORE results (values checked on redis-server).
                Arguments.of(written(w -> w.doubleValue(0.1, 3)), ",0.10000000000000001\r\n"),
                Arguments.of(written(w -> w.doubleValue(0.1, 2)), "$19\r\n0.10000000000000001\r\n"),
                Arguments.of(written(w -> w.doubleValue(1e300, 3)), ",1.0000000000000001e+300\r\n"),
                Arguments.of(written(w -> w.doubleValue(2.5, 3)), ",2.5\r\n"),
                Arguments.of(written(w -> w.doubleValue(Double.POSITIVE_INFINITY, 3)), ",inf\r\n"),
                Arguments.of(written(w -> w.doubleValue(Double.NEGATIVE_INFINITY, 2)), "$4\r\n-inf\r\n"),
                // pub/sub message frames, as a subscriber sees them
                Arguments.of(written(w -> w.pushHeader(3, 2).bulk("message").bulk("ch").bulk("hi")),
                        "*3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$2\r\nhi\r\n"),
                Arguments.of(written(w -> w.pushHeader(3, 3).bulk("subscribe").bulk("ch").integer(1)),
                        ">3\r\n$9\r\nsubscribe\r\n$2\r\nch\r\n:1\r\n"));
    }

    @ParameterizedTest(name = "[{index}] {1}")
    @MethodSource("frames")
    void exactBytes(String actual, String expected) {
        assertEquals(expected, actual);
    }

    static Stream<Arguments> doubles() {
        // Expected strings are C's printf("%.17g") (what Redis 7.0's addReplyDouble emits).
        return Stream.of(
                Arguments.of(0.0, "0"), Arguments.of(-0.0, "-0"), Arguments.of(1.0, "1"), Arguments.of(-2.0, "-2"),
                Arguments.of(0.5, "0.5"), Arguments.of(100.0, "100"), Arguments.of(1.5e-7, "1.4999999999999999e-07"),
                Arguments.of(123456789012345678.0, "1.2345678901234568e+17"),
                Arguments.of(1e16, "10000000000000000"), Arguments.of(1e17, "1e+17"),
                Arguments.of(0.0001, "0.0001"), Arguments.of(0.00001, "1.0000000000000001e-05"),
                Arguments.of(1.0 / 3, "0.33333333333333331"), Arguments.of(Math.PI, "3.1415926535897931"),
                Arguments.of(Double.MAX_VALUE, "1.7976931348623157e+308"), Arguments.of(Double.MIN_VALUE, "4.9406564584124654e-324"),
                Arguments.of(Double.NaN, "nan"), Arguments.of(123.456, "123.456"), Arguments.of(-1e-300, "-1e-300"));
    }

    @ParameterizedTest(name = "%.17g of {0}")
    @MethodSource("doubles")
    void doublesFormatLikePrintfG17(double d, String expected) {
        assertEquals(expected, RespWriter.formatDouble(d));
    }

    @Test
    void bulkOfArgsCopiesFromEitherSource() {
        for (String input : new String[] {"*2\r\n$4\r\nECHO\r\n$3\r\na\u0000b\r\n", "ECHO \"a\\x00b\"\r\n"}) {
            RespArgs args = new RespArgs();
            new RespDecoder(1024, 1024).tryDecode(ByteBuffer.wrap(input.getBytes(ISO_8859_1)), args);
            assertEquals("$3\r\na\u0000b\r\n", written(w -> w.bulk(args, 1)));
        }
    }

    @Test
    void growsByDoublingAndResetReusesStorage() {
        RespWriter w = new RespWriter(16);
        byte[] big = new byte[10_000];
        w.bulk(big);
        assertEquals(10_000 + "$10000\r\n\r\n".length(), w.size());
        byte[] storage = w.array();
        w.reset();
        assertEquals(0, w.size());
        w.integer(5);
        assertSame(storage, w.array(), "no reallocation after reset");
        ByteBuffer view = w.asReadBuffer();
        assertEquals(0, view.position());
        assertEquals(4, view.remaining());
        byte[] out = new byte[4];
        view.get(out);
        assertArrayEquals(":5\r\n".getBytes(StandardCharsets.US_ASCII), out);
    }

    @Test
    void rejectsUnknownProtocolVersionsAndBadVerbatimFormats() {
        RespWriter w = new RespWriter();
        assertThrows(IllegalArgumentException.class, () -> w.nullBulk(1));
        assertThrows(IllegalArgumentException.class, () -> w.pushHeader(1, 4));
        assertThrows(IllegalArgumentException.class, () -> w.verbatim("text", "x", 3));
        assertThrows(IllegalArgumentException.class, () -> w.verbatim("t\u00e9", "x", 3));
        assertThrows(IndexOutOfBoundsException.class, () -> w.bulk(new byte[3], 2, 2));
    }

    @Test
    void longHelpersOnEdgeValues() {
        long[] values = {0, 1, -1, 9, 10, -9, -10, 99, 100, 999_999_999, 1_000_000_000, Integer.MAX_VALUE,
            Integer.MIN_VALUE, Long.MAX_VALUE, Long.MIN_VALUE, Long.MAX_VALUE / 10, Long.MIN_VALUE / 10, -1_000_000_000_000L};
        for (long v : values) {
            assertLongAscii(v);
        }
    }

    @Property(tries = 2000)
    void longHelpersMatchLongToString(@ForAll long v) {
        assertLongAscii(v);
    }

    static void assertLongAscii(long v) {
        String expected = Long.toString(v);
        assertEquals(expected.length(), RespWriter.asciiLength(v), "length of " + v);
        byte[] dst = new byte[25];
        int end = RespWriter.writeLongAscii(v, dst, 3);
        assertEquals(3 + expected.length(), end);
        assertEquals(expected, new String(dst, 3, expected.length(), StandardCharsets.US_ASCII));
        assertThrows(IndexOutOfBoundsException.class, () -> RespWriter.writeLongAscii(v, new byte[expected.length() - 1], 0));
    }
}
