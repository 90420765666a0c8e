package io.fanout.protocol;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.ByteArrayOutputStream;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.Random;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

import io.fanout.protocol.line.LineDecoder;
import io.fanout.protocol.resp.RespArgs;
import io.fanout.protocol.resp.RespDecoder;
import io.fanout.protocol.resp.RespProtocolException;

/**
 * Fuzzing of both request decoders with generators aimed at their states: valid requests
 * cut anywhere, hostile counts and lengths (2^31, 2^63, negative, 20 digits, signs and
 * spaces), garbage and token soup, pre-AUTH limits, tiny and Redis-sized limits. Every input
 * must keep four invariants:
 * <ol>
 *   <li>nothing but the protocol's error escapes ({@link RespProtocolException}; the line
 *       decoder throws nothing and answers only a length, INCOMPLETE or TOO_LONG);</li>
 *   <li>allocation stays within the limits: decoding allocates at most a constant plus a
 *       small multiple of the bytes actually fed (a count of 2^31 reserves nothing), the
 *       line decoder nothing at all, and no request needs a buffer past
 *       {@link RespDecoder#maxBufferNeeded()};</li>
 *   <li>input is consumed monotonically: the read position never moves back, a command
 *       always moves it forward;</li>
 *   <li>the same result at every split: whole, byte by byte, cut at every point (or many
 *       random points) and in random chunks, the commands, the error and what is left
 *       unread are the same. Lines also match a plain reference model.</li>
 * </ol>
 * Bounded for {@code mvn verify} (a few seconds); docs/OPERATIONS.md notes a longer run.
 */
class DecoderFuzzTest {
    /** Tries per property in the normal build; raise it for a long run. */
    private static final int TRIES = 300;
    /** Allocation allowed per decoded input: a constant (an exception, a first-use class) ... */
    private static final long ALLOC_CONSTANT = 256 * 1024;
    /** ... plus this many bytes per input byte (argument offsets, inline unescaping). */
    private static final long ALLOC_PER_BYTE = 48;
    private static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    // ---- generators ------------------------------------------------------------------

    private static final String[] HOSTILE_NUMBERS = {"2147483647", "2147483648", "2147483639", "-1", "-2147483649",
        "9223372036854775807", "9223372036854775808", "99999999999999999999", "0", "1", "10", "11", "16384", "16385",
        "+5", " 5", "05", "", "-0", "1e3", "0x10", "4294967296", "65536", "1048576", "1048577"};

    @Provide
    Arbitrary<byte[]> respStreams() {
        Arbitrary<byte[]> piece = Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(5, validMultibulk()),
                net.jqwik.api.Tuple.of(2, validInline()),
                net.jqwik.api.Tuple.of(3, hostileHeaders()),
                net.jqwik.api.Tuple.of(1, Arbitraries.bytes().array(byte[].class).ofMaxSize(64)),
                net.jqwik.api.Tuple.of(2, tokenSoup()));
        Arbitrary<byte[]> stream = piece.list().ofMinSize(1).ofMaxSize(6).map(DecoderFuzzTest::concat);
        // A valid prefix cut anywhere: the decoder must wait, never misread it.
        return Combinators.combine(stream, Arbitraries.doubles().between(0, 1), Arbitraries.of(true, false))
                .as((bytes, cut, truncate) -> truncate ? Arrays.copyOf(bytes, (int) (bytes.length * cut)) : bytes);
    }

    private Arbitrary<byte[]> validMultibulk() {
        Arbitrary<byte[]> arg = Arbitraries.oneOf(
                Arbitraries.bytes().array(byte[].class).ofMaxSize(24),
                Arbitraries.bytes().array(byte[].class).ofMinSize(60).ofMaxSize(2000),
                Arbitraries.of("PUBLISH", "SUBSCRIBE", "\r\n", "$", "*", "").map(s -> s.getBytes(ISO_8859_1)));
        return arg.list().ofMinSize(1).ofMaxSize(12).map(args -> {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            out.writeBytes(("*" + args.size() + "\r\n").getBytes(ISO_8859_1));
            for (byte[] a : args) {
                out.writeBytes(("$" + a.length + "\r\n").getBytes(ISO_8859_1));
                out.writeBytes(a);
                out.writeBytes(new byte[] {'\r', '\n'});
            }
            return out.toByteArray();
        });
    }

    private Arbitrary<byte[]> validInline() {
        Arbitrary<String> word = Arbitraries.strings().withChars("abcXYZ019 \t\"'\\x").ofMaxLength(12);
        return word.list().ofMinSize(1).ofMaxSize(5)
                .map(w -> (String.join(" ", w) + (w.size() % 2 == 0 ? "\r\n" : "\n")).getBytes(ISO_8859_1));
    }

    private Arbitrary<byte[]> hostileHeaders() {
        Arbitrary<String> number = Arbitraries.oneOf(Arbitraries.of(HOSTILE_NUMBERS),
                Arbitraries.strings().numeric().ofMinLength(1).ofMaxLength(25));
        return Combinators.combine(Arbitraries.of("*", "$", "*1\r\n$", "*2\r\n$3\r\nabc\r\n$"), number,
                Arbitraries.of("\r\n", "\r", "\n", "\r\nx", "\r\n\r\n", "\u0000\r\n"))
                .as((prefix, n, end) -> (prefix + n + end).getBytes(ISO_8859_1));
    }

    private Arbitrary<byte[]> tokenSoup() {
        String[] tokens = {"*", "$", "0", "1", "9", "-", "\r", "\n", "\r\n", "x", " ", "\"", "'", "\\", "\\x4",
            "\u0000", "\t", "\u00ff", "*1\r\n", "*3\r\n", "$1\r\n", "$0\r\n", "x\r\n", "*0\r\n", "*-1\r\n",
            "*11\r\n", "$16385\r\n", "PING\r\n"};
        return Arbitraries.of(tokens).list().ofMaxSize(40).map(l -> String.join("", l).getBytes(ISO_8859_1));
    }

    @Provide
    Arbitrary<byte[]> lineStreams() {
        Arbitrary<byte[]> piece = Arbitraries.oneOf(
                Arbitraries.strings().withChars("ab\r\n\u0000\u00ff ").ofMaxLength(40).map(s -> s.getBytes(ISO_8859_1)),
                // Lines around the limit (16 in these properties): 15..18 bytes of content.
                Combinators.combine(Arbitraries.integers().between(14, 19), Arbitraries.of("\n", "\r\n", "\r", ""))
                        .as((n, end) -> ("x".repeat(n) + end).getBytes(ISO_8859_1)),
                Arbitraries.bytes().array(byte[].class).ofMaxSize(64));
        return piece.list().ofMinSize(1).ofMaxSize(8).map(DecoderFuzzTest::concat);
    }

    private static byte[] concat(List<byte[]> parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        parts.forEach(out::writeBytes);
        return out.toByteArray();
    }

    // ---- RESP ------------------------------------------------------------------------

    /** A decoder configuration: Redis-sized or tiny limits, before or after AUTH. */
    private record RespLimits(int maxBulk, int maxInline, boolean authenticated) {
        RespDecoder decoder() {
            RespDecoder d = new RespDecoder(maxBulk, maxInline);
            d.setAuthenticated(authenticated);
            return d;
        }
    }

    @Provide
    Arbitrary<RespLimits> respLimits() {
        return Combinators.combine(Arbitraries.of(8, 100, 1 << 20), Arbitraries.of(6, 64, RespDecoder.REDIS_INLINE_MAX),
                Arbitraries.of(true, false)).as(RespLimits::new);
    }

    /** What a decoder made of an input: commands (hex), the error text, and unread bytes if no error. */
    private record Outcome(List<String> commands, String error, int unread) {
    }

    @Property(tries = TRIES)
    void respDecoderKeepsItsInvariantsAtEverySplit(@ForAll("respStreams") byte[] input,
                                                   @ForAll("respLimits") RespLimits limits,
                                                   @ForAll @IntRange(min = 0, max = 1 << 20) int seed) {
        Outcome whole = decodeResp(limits, input, new int[] {input.length});
        assertSameOutcome(whole, decodeResp(limits, input, ones(input.length)), () -> "byte by byte: " + hex(input));
        Random random = new Random(seed);
        for (int cut : cutPoints(input.length, random)) {
            assertSameOutcome(whole, decodeResp(limits, input, new int[] {cut, input.length - cut}),
                    () -> "cut at " + cut + ": " + hex(input));
        }
        int[] chunks = randomChunks(input.length, random);
        assertSameOutcome(whole, decodeResp(limits, input, chunks),
                () -> "chunks " + Arrays.toString(chunks) + ": " + hex(input));
    }

    /**
     * Equal outcomes, except at the size limits, whose errors depend on how many bytes arrived
     * at once: Redis's "too big ... request/string" fires when more than the inline limit of
     * unread bytes holds no line end (Redis checks its query buffer the same way), and
     * fanout's "request larger than N bytes" when the unread part of one request reaches
     * maxBufferNeeded, which whole input may instead get past to a later header's error.
     * Then the commands decoded before either error must still agree (one a prefix of the other).
     */
    private static void assertSameOutcome(Outcome expected, Outcome actual, java.util.function.Supplier<String> what) {
        if (!isSizeLimit(expected) && !isSizeLimit(actual)) {
            assertEquals(expected, actual, what);
            return;
        }
        List<String> a = expected.commands();
        List<String> b = actual.commands();
        List<String> shorter = a.size() <= b.size() ? a : b;
        List<String> longer = a.size() <= b.size() ? b : a;
        assertEquals(shorter, longer.subList(0, shorter.size()), what);
    }

    private static boolean isSizeLimit(Outcome o) {
        return o.error() != null
                && (o.error().startsWith("Protocol error: too big") || o.error().contains("request larger than"));
    }

    /** Feeds {@code input} in pieces of the given sizes, checking invariants 1-3 on every call. */
    private static Outcome decodeResp(RespLimits limits, byte[] input, int[] pieces) {
        RespDecoder decoder = limits.decoder();
        RespArgs args = new RespArgs();
        List<String> commands = new ArrayList<>();
        ByteBuffer buf = ByteBuffer.allocate(16).flip();
        long allocated = 0;
        int fed = 0;
        for (int piece : pieces) {
            buf = append(buf, input, fed, piece);
            fed += piece;
            while (true) {
                int before = buf.position();
                long alloc0 = THREADS.getCurrentThreadAllocatedBytes();
                boolean complete;
                try {
                    complete = decoder.tryDecode(buf, args);
                } catch (RespProtocolException e) {
                    return new Outcome(commands, e.getMessage(), -1);
                } catch (RuntimeException | Error e) {
                    throw new AssertionError("decoder threw " + e + " on " + hex(input), e);
                } finally {
                    allocated += THREADS.getCurrentThreadAllocatedBytes() - alloc0;
                }
                assertTrue(buf.position() >= before, "position moved back");
                if (!complete) {
                    assertTrue(buf.remaining() < decoder.maxBufferNeeded(), "needs more than maxBufferNeeded");
                    break;
                }
                assertTrue(buf.position() > before, "a command that consumed nothing");
                commands.add(hexArgs(args));
            }
            long bound = ALLOC_CONSTANT + ALLOC_PER_BYTE * fed;
            assertTrue(allocated <= bound, "decoding " + fed + " bytes allocated " + allocated + ": " + hex(input));
        }
        return new Outcome(commands, null, buf.remaining());
    }

    private static String hexArgs(RespArgs args) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < args.count(); i++) {
            sb.append(HexFormat.of().formatHex(args.copy(i))).append(' ');
        }
        return sb.toString();
    }

    // ---- line ------------------------------------------------------------------------

    private static final int MAX_LINE = 16;

    @Property(tries = TRIES)
    void lineDecoderMatchesTheModelAtEverySplit(@ForAll("lineStreams") byte[] input,
                                                @ForAll @IntRange(min = 0, max = 1 << 20) int seed) {
        Outcome expected = lineModel(input);
        assertEquals(expected, decodeLines(input, new int[] {input.length}), () -> "whole: " + hex(input));
        assertEquals(expected, decodeLines(input, ones(input.length)), () -> "byte by byte: " + hex(input));
        Random random = new Random(seed);
        for (int cut : cutPoints(input.length, random)) {
            assertEquals(expected, decodeLines(input, new int[] {cut, input.length - cut}),
                    () -> "cut at " + cut + ": " + hex(input));
        }
        assertEquals(expected, decodeLines(input, randomChunks(input.length, random)), () -> "chunks: " + hex(input));
    }

    /** Lines end at '\n', one '\r' before it is dropped; content over the limit is TOO_LONG. */
    private static Outcome lineModel(byte[] input) {
        List<String> lines = new ArrayList<>();
        int start = 0;
        for (int i = 0; i < input.length; i++) {
            if (input[i] == '\n') {
                int end = i > start && input[i - 1] == '\r' ? i - 1 : i;
                if (end - start > MAX_LINE) {
                    return new Outcome(lines, "TOO_LONG", -1);
                }
                lines.add(HexFormat.of().formatHex(input, start, end));
                start = i + 1;
            }
        }
        if (input.length - start > MAX_LINE + 1) {
            return new Outcome(lines, "TOO_LONG", -1);
        }
        return new Outcome(lines, null, input.length - start);
    }

    private static Outcome decodeLines(byte[] input, int[] pieces) {
        LineDecoder decoder = new LineDecoder(MAX_LINE);
        List<String> lines = new ArrayList<>();
        ByteBuffer buf = ByteBuffer.allocate(16).flip();
        long allocated = 0;
        int fed = 0;
        for (int piece : pieces) {
            buf = append(buf, input, fed, piece);
            fed += piece;
            while (true) {
                int before = buf.position();
                long alloc0 = THREADS.getCurrentThreadAllocatedBytes();
                int n = decoder.next(buf);
                allocated += THREADS.getCurrentThreadAllocatedBytes() - alloc0;
                assertEquals(before, buf.position(), "next() leaves the position to the caller");
                if (n == LineDecoder.INCOMPLETE) {
                    break;
                }
                if (n == LineDecoder.TOO_LONG) {
                    assertEquals(0, allocated, "the line decoder allocates nothing");
                    return new Outcome(lines, "TOO_LONG", -1);
                }
                assertTrue(n >= 0 && n <= MAX_LINE, "length " + n);
                int consumed = decoder.consumedBytes();
                assertTrue(consumed >= n + 1 && consumed <= n + 2, "consumed " + consumed + " for " + n);
                lines.add(line(buf, before, n));
                buf.position(before + consumed);
            }
        }
        assertEquals(0, allocated, "the line decoder allocates nothing");
        return new Outcome(lines, null, buf.remaining());
    }

    private static String line(ByteBuffer buf, int start, int length) {
        byte[] b = new byte[length];
        buf.get(start, b);
        return HexFormat.of().formatHex(b);
    }

    // ---- shared ----------------------------------------------------------------------

    /** Appends input[from, from+n) after the unread bytes, compacting or growing like a server. */
    private static ByteBuffer append(ByteBuffer buf, byte[] input, int from, int n) {
        buf.compact();
        if (buf.remaining() < n) {
            ByteBuffer bigger = ByteBuffer.allocate(Math.max(buf.capacity() * 2, buf.position() + n));
            buf.flip();
            bigger.put(buf);
            buf = bigger;
        }
        buf.put(input, from, n);
        return buf.flip();
    }

    private static int[] ones(int n) {
        int[] a = new int[n];
        Arrays.fill(a, 1);
        return a;
    }

    /** Every cut point of a short input, 48 random ones of a long one. */
    private static int[] cutPoints(int length, Random random) {
        if (length <= 200) {
            int[] all = new int[length + 1];
            for (int i = 0; i <= length; i++) {
                all[i] = i;
            }
            return all;
        }
        return random.ints(48, 0, length + 1).toArray();
    }

    private static int[] randomChunks(int length, Random random) {
        List<Integer> sizes = new ArrayList<>();
        for (int left = length; left > 0; ) {
            int n = Math.min(left, 1 + random.nextInt(random.nextBoolean() ? 8 : 4000));
            sizes.add(n);
            left -= n;
        }
        return sizes.stream().mapToInt(Integer::intValue).toArray();
    }

    private static String hex(byte[] input) {
        return input.length > 400 ? input.length + " bytes starting " + HexFormat.of().formatHex(input, 0, 400)
                : HexFormat.of().formatHex(input);
    }

    static {
        Objects.requireNonNull(THREADS);
        if (!THREADS.isThreadAllocatedMemorySupported() || !THREADS.isThreadAllocatedMemoryEnabled()) {
            fail("per-thread allocation counting is needed for the allocation invariant");
        }
    }
}
