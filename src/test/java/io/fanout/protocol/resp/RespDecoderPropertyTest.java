package io.fanout.protocol.resp;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fanout.protocol.resp.RespDecoderTest.Feeder;
import io.fanout.protocol.resp.RespDecoderTest.Outcome;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * Properties of {@link RespDecoder}: encode/decode round trips under random TCP segmentation,
 * segmentation never changing the outcome (commands, error, unread bytes) of arbitrary input,
 * and a buffer of {@link RespDecoder#maxBufferNeeded()} bytes always making progress.
 */
class RespDecoderPropertyTest {

    @Provide
    Arbitrary<List<List<byte[]>>> commands() {
        Arbitrary<byte[]> arg = Arbitraries.oneOf(
                Arbitraries.bytes().array(byte[].class).ofMaxSize(40),
                Arbitraries.bytes().array(byte[].class).ofMaxSize(3000),
                Arbitraries.of("\r\n", "$", "*1\r\n", "", "\u0000").map(s -> s.getBytes(ISO_8859_1)));
        return arg.list().ofMinSize(1).ofMaxSize(12).list().ofMinSize(1).ofMaxSize(4);
    }

    @Provide
    Arbitrary<List<Integer>> chunks() {
        return Arbitraries.oneOf(
                Arbitraries.integers().between(1, 7),
                Arbitraries.integers().between(1, 4000)).list().ofMinSize(1).ofMaxSize(50);
    }

    static byte[] multibulk(List<List<byte[]>> commands) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (List<byte[]> cmd : commands) {
            out.writeBytes(("*" + cmd.size() + "\r\n").getBytes(ISO_8859_1));
            for (byte[] a : cmd) {
                out.writeBytes(("$" + a.length + "\r\n").getBytes(ISO_8859_1));
                out.writeBytes(a);
                out.writeBytes(new byte[] {'\r', '\n'});
            }
        }
        return out.toByteArray();
    }

    /** Feeds {@code input} in pieces whose sizes cycle through {@code chunks}. */
    static Outcome feedInChunks(RespDecoder d, byte[] input, List<Integer> chunks, boolean compact, boolean direct) {
        Feeder f = new Feeder(d, compact, direct);
        int off = 0;
        for (int k = 0; off < input.length; k++) {
            int n = Math.min(input.length - off, chunks.get(k % chunks.size()));
            f.feed(Arrays.copyOfRange(input, off, off + n));
            off += n;
        }
        return f.outcome();
    }

    /** Like feedInChunks but keeps the raw argument bytes. */
    static List<List<byte[]>> decodeAll(byte[] input, List<Integer> chunks, boolean compact, boolean direct) {
        RespDecoder d = new RespDecoder(1 << 20, RespDecoder.REDIS_INLINE_MAX);
        RespArgs args = new RespArgs();
        List<List<byte[]>> got = new ArrayList<>();
        ByteBuffer buf = direct ? ByteBuffer.allocateDirect(input.length) : ByteBuffer.allocate(input.length);
        buf.flip();
        int off = 0;
        for (int k = 0; off < input.length; k++) {
            int n = Math.min(input.length - off, chunks.get(k % chunks.size()));
            if (compact) {
                buf.compact(); // unread bytes move to index 0, like a server making room
                buf.put(input, off, n).flip();
            } else {
                int unreadFrom = buf.position();
                int lim = buf.limit();
                buf.limit(buf.capacity()).position(lim);
                buf.put(input, off, n);
                buf.limit(buf.position()).position(unreadFrom);
            }
            off += n;
            while (d.tryDecode(buf, args)) {
                List<byte[]> cmd = new ArrayList<>();
                for (int i = 0; i < args.count(); i++) {
                    cmd.add(args.copy(i));
                }
                got.add(cmd);
            }
        }
        assertEquals(0, buf.remaining(), "everything consumed");
        return got;
    }

    @Property(tries = 300)
    void multibulkRoundTripsUnderAnySegmentation(@ForAll("commands") List<List<byte[]>> commands,
                                                 @ForAll("chunks") List<Integer> chunks) {
        byte[] wire = multibulk(commands);
        for (boolean compact : new boolean[] {true, false}) {
            List<List<byte[]>> got = decodeAll(wire, chunks, compact, !compact);
            assertEquals(commands.size(), got.size());
            for (int c = 0; c < commands.size(); c++) {
                assertEquals(commands.get(c).size(), got.get(c).size());
                for (int i = 0; i < commands.get(c).size(); i++) {
                    assertArrayEquals(commands.get(c).get(i), got.get(c).get(i));
                }
            }
        }
    }

    /** Quotes like Redis's sdscatrepr (what redis-cli prints), which sdssplitargs reverses. */
    static String repr(byte[] arg) {
        StringBuilder sb = new StringBuilder("\"");
        for (byte b : arg) {
            int c = b & 0xFF;
            switch (c) {
                case '\\' -> sb.append("\\\\");
                case '"' -> sb.append("\\\"");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                case 7 -> sb.append("\\a");
                case '\b' -> sb.append("\\b");
                default -> {
                    if (c >= 0x20 && c < 0x7F) {
                        sb.append((char) c);
                    } else {
                        sb.append(String.format("\\x%02x", c));
                    }
                }
            }
        }
        return sb.append('"').toString();
    }

    @Property(tries = 300)
    void inlineQuotedArgsRoundTrip(@ForAll("commands") List<List<byte[]>> commands,
                                   @ForAll("chunks") List<Integer> chunks) {
        StringBuilder sb = new StringBuilder();
        for (List<byte[]> cmd : commands) {
            for (int i = 0; i < cmd.size(); i++) {
                sb.append(i == 0 ? "" : i % 2 == 0 ? " \t" : " ").append(repr(cmd.get(i)));
            }
            sb.append(commands.size() % 2 == 0 ? "\r\n" : "\n");
        }
        byte[] wire = sb.toString().getBytes(ISO_8859_1);
        // Lines may exceed the 64 KiB inline limit only if they arrive whole; keep them short.
        RespDecoder d = new RespDecoder(1 << 20, Math.max(wire.length, 1));
        RespArgs args = new RespArgs();
        ByteBuffer buf = ByteBuffer.wrap(wire);
        for (List<byte[]> cmd : commands) {
            assertTrue(d.tryDecode(buf, args));
            assertEquals(cmd.size(), args.count());
            for (int i = 0; i < cmd.size(); i++) {
                assertArrayEquals(cmd.get(i), args.copy(i));
            }
        }
        assertEquals(wire.length, buf.position());
        Outcome chunked = feedInChunks(new RespDecoder(1 << 20, Math.max(wire.length, 1)), wire, chunks, true, false);
        assertNull(chunked.error());
        assertEquals(commands.size(), chunked.commands().size());
    }

    @Provide
    Arbitrary<byte[]> tokenSoup() {
        String[] tokens = {"*", "$", "0", "1", "2", "3", "9", "-", "\r", "\n", "\r\n", "\r\n", "x", "y", " ", "\"",
            "'", "\\", "\\x4", "\\x41", "\u0000", "\t", "\u000b", "\u00ff", "*1\r\n", "*2\r\n", "*3\r\n", "$1\r\n",
            "$2\r\n", "$0\r\n", "x\r\n", "*0\r\n", "*-1\r\n", "*11\r\n", "$16385\r\n", "PING\r\n", "\\'"};
        return Arbitraries.of(tokens).list().ofMaxSize(60)
                .map(l -> String.join("", l).getBytes(ISO_8859_1));
    }

    @Property(tries = 1000)
    void segmentationNeverChangesTheOutcome(@ForAll("tokenSoup") byte[] input,
                                            @ForAll("chunks") List<Integer> chunks) {
        for (boolean auth : new boolean[] {true, false}) {
            RespDecoder whole = new RespDecoder(1000, 64 * 1024);
            whole.setAuthenticated(auth);
            Outcome expected = feedInChunks(whole, input, List.of(Integer.MAX_VALUE), true, false);
            RespDecoder split = new RespDecoder(1000, 64 * 1024);
            split.setAuthenticated(auth);
            assertEquals(expected, feedInChunks(split, input, chunks, chunks.size() % 2 == 0, chunks.size() % 3 == 0));
        }
    }

    @Property(tries = 1000)
    void aBufferOfMaxBufferNeededBytesAlwaysMakesProgress(@ForAll("tokenSoup") byte[] soup,
                                                          @ForAll("chunks") List<Integer> chunks) {
        // Small limits so that the soup hits them; the buffer never grows past maxBufferNeeded.
        RespDecoder d = new RespDecoder(8, 6, 40);
        RespArgs args = new RespArgs();
        ByteBuffer buf = ByteBuffer.allocate(d.maxBufferNeeded());
        buf.flip();
        byte[] input = new byte[soup.length * 3];
        for (int i = 0; i < 3; i++) {
            System.arraycopy(soup, 0, input, i * soup.length, soup.length);
        }
        int off = 0;
        try {
            for (int k = 0; off < input.length; k++) {
                buf.compact();
                int n = Math.min(Math.min(input.length - off, chunks.get(k % chunks.size())), buf.remaining());
                buf.put(input, off, n).flip();
                off += n;
                while (d.tryDecode(buf, args)) {
                    assertTrue(args.count() > 0);
                }
                assertTrue(buf.remaining() < buf.capacity(), "returned false on a full buffer of maxBufferNeeded bytes");
            }
        } catch (RespProtocolException expected) {
            // Fine: the connection would be closed.
        }
    }
}
