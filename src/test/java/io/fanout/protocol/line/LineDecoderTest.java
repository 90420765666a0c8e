package io.fanout.protocol.line;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

/**
 * The line decoder over ByteBuffers, fed the way the engine feeds it: bytes arrive in
 * arbitrary pieces, unconsumed bytes are kept and new ones appended (NATS's split tests).
 * (jqwik properties are bounded by their try counts; the class timeout covers the rest.)
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class LineDecoderTest {
    private static final int MAX = 64;

    /** What a stream decoded to: the lines, and whether it hit an over-long line. */
    record Decoded(List<String> lines, boolean tooLong, int tooLongAfterBytes) {
    }

    /**
     * Feeds {@code chunks} one after another like the engine: a buffer of carried bytes plus
     * the new ones, every complete line taken, the rest kept for the next chunk.
     */
    static Decoded feed(LineDecoder decoder, List<byte[]> chunks) {
        List<String> lines = new ArrayList<>();
        ByteBuffer carried = ByteBuffer.allocate(0);
        int fed = 0;
        for (byte[] chunk : chunks) {
            fed += chunk.length;
            ByteBuffer in = ByteBuffer.allocate(carried.remaining() + chunk.length);
            in.put(carried).put(chunk).flip();
            while (true) {
                int start = in.position();
                int n = decoder.next(in);
                if (n == LineDecoder.INCOMPLETE) {
                    break;
                }
                if (n == LineDecoder.TOO_LONG) {
                    return new Decoded(lines, true, fed);
                }
                byte[] line = new byte[n];
                in.get(start, line);
                lines.add(new String(line, StandardCharsets.ISO_8859_1));
                in.position(start + decoder.consumedBytes());
            }
            carried = in.slice();
        }
        return new Decoded(lines, false, fed);
    }

    static Decoded feed(LineDecoder decoder, byte[]... chunks) {
        return feed(decoder, Arrays.asList(chunks));
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    private static List<byte[]> onesAt(byte[] stream) {
        List<byte[]> out = new ArrayList<>();
        for (byte b : stream) {
            out.add(new byte[] {b});
        }
        return out;
    }

    private static final String STREAM = "hello\r\n\nworld\n\r\nx\ry\r\n" + "z".repeat(MAX) + "\r\n" + "last\n";
    private static final List<String> STREAM_LINES =
            List.of("hello", "", "world", "", "x\ry", "z".repeat(MAX), "last");

    @Test
    void everySplitPointOfAMultiLineStreamDecodesTheSameLines() {
        byte[] stream = bytes(STREAM);
        for (int cut = 0; cut <= stream.length; cut++) {
            Decoded d = feed(new LineDecoder(MAX), Arrays.copyOfRange(stream, 0, cut),
                    Arrays.copyOfRange(stream, cut, stream.length));
            assertEquals(STREAM_LINES, d.lines(), "cut at byte " + cut);
            assertFalse(d.tooLong(), "cut at byte " + cut);
        }
    }

    @Test
    void everyPairOfSplitPointsDecodesTheSameLines() {
        byte[] stream = bytes(STREAM);
        for (int a = 0; a <= stream.length; a++) {
            for (int b = a; b <= stream.length; b++) {
                Decoded d = feed(new LineDecoder(MAX), Arrays.copyOfRange(stream, 0, a),
                        Arrays.copyOfRange(stream, a, b), Arrays.copyOfRange(stream, b, stream.length));
                assertEquals(STREAM_LINES, d.lines(), "cuts at " + a + " and " + b);
            }
        }
    }

    @Test
    void oneByteAtATimeDecodesTheSameLines() {
        Decoded d = feed(new LineDecoder(MAX), onesAt(bytes(STREAM)));
        assertEquals(STREAM_LINES, d.lines());
        assertFalse(d.tooLong());
    }

    @Test
    void lfAndCrlfEndLinesAlikeAndOnlyOneCrBeforeLfIsDropped() {
        Decoded d = feed(new LineDecoder(MAX), bytes("a\nb\r\nc\r\r\n\rd\n"));
        assertEquals(List.of("a", "b", "c\r", "\rd"), d.lines());
    }

    @Test
    void emptyLinesAreLinesOfLengthZero() {
        LineDecoder decoder = new LineDecoder(MAX);
        ByteBuffer in = ByteBuffer.wrap(bytes("\n\r\nx"));
        assertEquals(0, decoder.next(in));
        assertEquals(1, decoder.consumedBytes());
        in.position(in.position() + decoder.consumedBytes());
        assertEquals(0, decoder.next(in));
        assertEquals(2, decoder.consumedBytes());
        in.position(in.position() + decoder.consumedBytes());
        assertEquals(LineDecoder.INCOMPLETE, decoder.next(in));
        assertEquals(3, in.position(), "the decoder never moves the caller's position");
    }

    @Test
    void theLineContentStartsAtThePositionAndConsumedCountsTheTerminator() {
        LineDecoder decoder = new LineDecoder(MAX);
        ByteBuffer in = ByteBuffer.wrap(bytes("skip|abc\r\nrest"));
        in.position(5);
        assertEquals(3, decoder.next(in));
        assertEquals(5, decoder.consumedBytes());
        assertEquals(5, in.position());
        assertEquals('a', in.get(5));
    }

    @Test
    void aLineOfExactlyTheMaximumIsAcceptedWithEitherTerminator() {
        String max = "m".repeat(MAX);
        assertEquals(List.of(max, max), feed(new LineDecoder(MAX), bytes(max + "\n" + max + "\r\n")).lines());
        // The same, arriving one byte at a time: the pending "content + \r" must not trip the limit.
        Decoded slow = feed(new LineDecoder(MAX), onesAt(bytes(max + "\r\n" + max + "\n")));
        assertEquals(List.of(max, max), slow.lines());
        assertFalse(slow.tooLong());
    }

    @Test
    void aLineOneByteOverTheMaximumIsTooLong() {
        String over = "o".repeat(MAX + 1);
        assertEquals(LineDecoder.TOO_LONG, new LineDecoder(MAX).next(ByteBuffer.wrap(bytes(over + "\n"))));
        assertEquals(LineDecoder.TOO_LONG, new LineDecoder(MAX).next(ByteBuffer.wrap(bytes(over + "\r\n"))));
        Decoded slow = feed(new LineDecoder(MAX), onesAt(bytes("ok\n" + over + "\n")));
        assertEquals(List.of("ok"), slow.lines(), "lines before the over-long one are still delivered");
        assertTrue(slow.tooLong());
    }

    @Test
    void anIncompleteLineIsTooLongAsSoonAsItCanNoLongerBeLegal() {
        // MAX content bytes plus a possible '\r' may still become a legal line; one more cannot.
        Decoded d = feed(new LineDecoder(MAX), onesAt(bytes("p".repeat(MAX + 2) + "never-ending")));
        assertTrue(d.tooLong());
        assertEquals(MAX + 2, d.tooLongAfterBytes(), "detected at the first byte that rules the line out");

        LineDecoder decoder = new LineDecoder(MAX);
        assertEquals(LineDecoder.INCOMPLETE, decoder.next(ByteBuffer.wrap(bytes("p".repeat(MAX) + "\r"))));
    }

    @Test
    void everyByteValueButNewlinePassesThroughUnchanged() {
        byte[] content = new byte[256];
        int n = 0;
        for (int b = 0; b < 256; b++) {
            if (b != '\n' && b != '\r') {
                content[n++] = (byte) b;
            }
        }
        content[n++] = '\r'; // a '\r' inside a line is content
        content[n++] = 'x';
        content = Arrays.copyOf(content, n);
        byte[] stream = new byte[n + 1];
        System.arraycopy(content, 0, stream, 0, n);
        stream[n] = '\n';

        Decoded d = feed(new LineDecoder(1024), onesAt(stream));
        assertEquals(1, d.lines().size());
        assertArrayEquals(content, d.lines().get(0).getBytes(StandardCharsets.ISO_8859_1));
    }

    @Test
    void aLongLineArrivingInManyPiecesIsFoundOnceComplete() {
        // The decoder remembers how far it scanned; the result must not depend on it.
        String line = "q".repeat(5000);
        List<byte[]> chunks = new ArrayList<>();
        byte[] all = bytes(line + "\nafter\n");
        for (int i = 0; i < all.length; i += 333) {
            chunks.add(Arrays.copyOfRange(all, i, Math.min(all.length, i + 333)));
        }
        assertEquals(List.of(line, "after"), feed(new LineDecoder(8192), chunks).lines());
    }

    // ---- property -------------------------------------------------------------------------

    @Provide
    Arbitrary<List<String>> lines() {
        // Latin-1 characters except '\n'; a line never ends in '\r' (that one would be eaten).
        Arbitrary<String> line = Arbitraries.strings().withCharRange('\u0000', '\u00ff').excludeChars('\n')
                .ofMaxLength(MAX).filter(s -> !s.endsWith("\r"));
        return line.list().ofMaxSize(30);
    }

    @Property(tries = 500)
    void randomLinesCutAtRandomPointsDecodeToTheSameLines(@ForAll("lines") List<String> lines,
                                                         @ForAll boolean crlf,
                                                         @ForAll List<@IntRange(min = 0, max = 2000) Integer> cuts) {
        StringBuilder sb = new StringBuilder();
        for (String l : lines) {
            sb.append(l).append(crlf ? "\r\n" : "\n");
        }
        byte[] stream = bytes(sb.toString());
        int[] points = cuts.stream().mapToInt(c -> c % (stream.length + 1)).sorted().toArray();
        List<byte[]> chunks = new ArrayList<>();
        int from = 0;
        for (int p : points) {
            chunks.add(Arrays.copyOfRange(stream, from, p));
            from = p;
        }
        chunks.add(Arrays.copyOfRange(stream, from, stream.length));

        Decoded d = feed(new LineDecoder(MAX), chunks);

        assertFalse(d.tooLong());
        assertEquals(lines, d.lines());
    }

    /**
     * The eight-bytes-at-a-time newline search agrees with a plain scan: bytes near '\n'
     * (0x0A ^ 0x01, 0x8A, 0x00, 0xFF) are the ones a carry-based test could confuse; any
     * window, both byte orders, heap and direct buffers.
     */
    @Property(tries = 2000)
    void wordSearchFindsTheFirstNewlineLikeAPlainScan(
            @ForAll("nearNewlineBytes") byte[] data, @ForAll @IntRange(min = 0, max = 80) int from,
            @ForAll @IntRange(min = 0, max = 80) int to, @ForAll boolean direct, @ForAll boolean littleEndian) {
        ByteBuffer in = direct ? ByteBuffer.allocateDirect(data.length) : ByteBuffer.allocate(data.length);
        in.put(data).flip();
        in.order(littleEndian ? java.nio.ByteOrder.LITTLE_ENDIAN : java.nio.ByteOrder.BIG_ENDIAN);
        int start = Math.min(from, data.length);
        int limit = Math.max(start, Math.min(to, data.length));
        int expected = -1;
        for (int i = start; i < limit; i++) {
            if (data[i] == '\n') {
                expected = i;
                break;
            }
        }
        assertEquals(expected, LineDecoder.indexOfNewline(in, start, limit));
    }

    @Provide
    Arbitrary<byte[]> nearNewlineBytes() {
        Arbitrary<Byte> tricky = Arbitraries.of((byte) '\n', (byte) 0x0B, (byte) 0x8A, (byte) 0x00, (byte) 0xFF,
                (byte) 0x7F, (byte) 0x80, (byte) 'a');
        return Arbitraries.oneOf(tricky, Arbitraries.bytes()).array(byte[].class).ofMaxSize(80);
    }

    @Test
    void aNewlineInEveryPositionOfAWordIsFound() {
        for (int at = 0; at < 24; at++) {
            byte[] data = new byte[24];
            Arrays.fill(data, (byte) 0x0B);
            data[at] = '\n';
            ByteBuffer in = ByteBuffer.allocateDirect(24).put(data).flip();
            assertEquals(at, LineDecoder.indexOfNewline(in, 0, 24), "newline at " + at);
        }
    }
}
