package io.fanout.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Socket-free tests of the bench's payload header, decoders and sequence accounting. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class BenchDecodingTest {

    /** Records what a decoder reports, payloads as strings. */
    private static final class Recorder implements FrameSink {
        final List<String> events = new ArrayList<>();

        @Override
        public void onMessage(ByteBuffer src, int offset, int length) {
            byte[] b = new byte[length];
            src.get(offset, b);
            events.add("message " + new String(b, StandardCharsets.US_ASCII));
        }

        @Override
        public void onSubscribed() {
            events.add("subscribed");
        }

        @Override
        public void onProbe() {
            events.add("probe");
        }

        @Override
        public void onInteger(long value) {
            events.add("integer " + value);
        }

        @Override
        public void onError(ByteBuffer src, int offset, int length) {
            byte[] b = new byte[length];
            src.get(offset, b);
            events.add("error " + new String(b, StandardCharsets.US_ASCII));
        }
    }

    private static final int TAG = 0x5eed1234;

    private static byte[] payload(int publisher, long seq, long nanos, int size) {
        return payload(TAG, publisher, seq, nanos, size);
    }

    private static byte[] payload(int tag, int publisher, long seq, long nanos, int size) {
        ByteBuffer b = ByteBuffer.allocate(size);
        PayloadHeader.encode(b, tag, publisher, seq, nanos);
        while (b.hasRemaining()) {
            b.put(PayloadHeader.PAD);
        }
        return b.array();
    }

    @Test
    void headerRoundTripsIncludingNegativeTimestamps() {
        for (long nanos : new long[] {0, 1, -1, Long.MIN_VALUE, Long.MAX_VALUE, System.nanoTime()}) {
            byte[] p = payload(0xBEEF, 123_456_789_012L, nanos, 64);
            String text = new String(p, StandardCharsets.US_ASCII);
            assertFalse(text.contains("\n") || text.contains("\r"), text);
            PayloadHeader h = new PayloadHeader(TAG);
            assertTrue(h.tryDecode(ByteBuffer.wrap(p), 0, p.length));
            assertEquals(0xBEEF, h.publisher);
            assertEquals(123_456_789_012L, h.sequence);
            assertEquals(nanos, h.sentNanos);
        }
    }

    @Test
    void hexDecodingAcceptsExactlyLowercaseHexDigits() {
        assertEquals(0x0123abcdL, PayloadHeader.hex8(word("0123abcd")));
        assertEquals(0xffffffffL, PayloadHeader.hex8(word("ffffffff")));
        assertEquals(0L, PayloadHeader.hex8(word("00000000")));
        for (String bad : new String[] {"0000000/", "0000000:", "0000000`", "0000000g", "000000A0", " 0000000",
            "000\u00e90000"}) {
            assertEquals(-1, PayloadHeader.hex8(word(bad)), bad);
        }
    }

    private static long word(String eight) {
        byte[] b = eight.getBytes(StandardCharsets.ISO_8859_1);
        return ByteBuffer.wrap(b).getLong();
    }

    @Test
    void foreignPayloadsAreRejected() {
        PayloadHeader h = new PayloadHeader(TAG);
        byte[] p = payload(1, 2, 3, 48);
        assertTrue(h.tryDecode(ByteBuffer.wrap(p), 0, p.length));
        assertFalse(h.tryDecode(ByteBuffer.wrap(p), 0, PayloadHeader.BYTES - 1), "too short");
        byte[] other = payload(TAG + 1, 1, 2, 3, 48);
        assertFalse(h.tryDecode(ByteBuffer.wrap(other), 0, other.length), "another run's message");
        p[20] = 'x';
        assertFalse(h.tryDecode(ByteBuffer.wrap(p), 0, p.length), "not hex");
        byte[] hello = "hello world, this is not a bench payload".getBytes(StandardCharsets.US_ASCII);
        assertFalse(h.tryDecode(ByteBuffer.wrap(hello), 0, hello.length), "no mark");
    }

    /** A RESP stream a subscriber may see: replies, confirmation, messages of every kind. */
    private static byte[] respStream(byte[] p1, byte[] p2) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(":42\r\n".getBytes(StandardCharsets.US_ASCII));
        out.writeBytes("*3\r\n$9\r\nsubscribe\r\n$5\r\nbench\r\n:1\r\n".getBytes(StandardCharsets.US_ASCII));
        out.writeBytes(("*3\r\n$7\r\nmessage\r\n$5\r\nbench\r\n$" + p1.length + "\r\n").getBytes(StandardCharsets.US_ASCII));
        out.writeBytes(p1);
        out.writeBytes("\r\n+PONG\r\n-ERR nope\r\n".getBytes(StandardCharsets.US_ASCII));
        out.writeBytes(("*4\r\n$8\r\npmessage\r\n$2\r\nb*\r\n$5\r\nbench\r\n$" + p2.length + "\r\n")
                .getBytes(StandardCharsets.US_ASCII));
        out.writeBytes(p2);
        out.writeBytes("\r\n*3\r\n$7\r\nmessage\r\n$4\r\nnews\r\n$5\r\nhello\r\n".getBytes(StandardCharsets.US_ASCII));
        return out.toByteArray();
    }

    @Test
    void respDecoderReportsTheSameFramesAtEverySplitPoint() {
        byte[] p1 = payload(0, 0, 10, 48);
        byte[] p2 = payload(0, 1, 20, 48);
        byte[] stream = respStream(p1, p2);
        List<String> expected = List.of("integer 42", "subscribed",
                "message " + new String(p1, StandardCharsets.US_ASCII), "error ERR nope",
                "message " + new String(p2, StandardCharsets.US_ASCII), "message hello");
        for (int split = 0; split <= stream.length; split++) {
            assertEquals(expected, feed(new RespPushDecoder("bench", 48), stream, split), "split at " + split);
        }
        assertEquals(expected, feedBytewise(new RespPushDecoder("bench", 48), stream));
    }

    @Test
    void lineDecoderReportsTheSameFramesAtEverySplitPoint() {
        byte[] p1 = payload(0, 0, 10, 48);
        byte[] p2 = payload(1, 7, 20, 48);
        String s = "?probe\n" + new String(p1, StandardCharsets.US_ASCII) + "\nchatter from nc\r\n"
                + new String(p2, StandardCharsets.US_ASCII) + "\n";
        byte[] stream = s.getBytes(StandardCharsets.US_ASCII);
        List<String> expected = List.of("probe", "message " + new String(p1, StandardCharsets.US_ASCII),
                "message chatter from nc", "message " + new String(p2, StandardCharsets.US_ASCII));
        for (int split = 0; split <= stream.length; split++) {
            assertEquals(expected, feed(new LineFrameDecoder(48), stream, split), "split at " + split);
        }
        assertEquals(expected, feedBytewise(new LineFrameDecoder(48), stream));
    }

    @Test
    void respDecoderRejectsGarbage() {
        RespPushDecoder d = new RespPushDecoder("bench", 48);
        ByteBuffer b = ByteBuffer.wrap("*3\r\n$7\r\nmessage\r\n%oops\r\n".getBytes(StandardCharsets.US_ASCII));
        assertEquals(SubscriberDecoder.MALFORMED, d.decode(b, new Recorder()));
        ByteBuffer c = ByteBuffer.wrap("hello\r\n".getBytes(StandardCharsets.US_ASCII));
        assertEquals(SubscriberDecoder.MALFORMED, d.decode(c, new Recorder()));
    }

    /** Feeds [0, split) then the rest, compacting between, as the loop does. */
    private static List<String> feed(SubscriberDecoder d, byte[] stream, int split) {
        Recorder r = new Recorder();
        ByteBuffer buf = ByteBuffer.allocateDirect(stream.length + 16);
        buf.put(stream, 0, split);
        buf.flip();
        assertEquals(SubscriberDecoder.OK, d.decode(buf, r));
        buf.compact();
        buf.put(stream, split, stream.length - split);
        buf.flip();
        assertEquals(SubscriberDecoder.OK, d.decode(buf, r));
        assertEquals(0, buf.remaining(), "everything consumed");
        return r.events;
    }

    private static List<String> feedBytewise(SubscriberDecoder d, byte[] stream) {
        Recorder r = new Recorder();
        ByteBuffer buf = ByteBuffer.allocate(stream.length + 16);
        for (byte x : stream) {
            buf.put(x);
            buf.flip();
            assertEquals(SubscriberDecoder.OK, d.decode(buf, r));
            buf.compact();
        }
        return r.events;
    }

    @Test
    void sequenceTrackerTellsLostFromReorderedFromDuplicated() {
        SequenceTracker t = new SequenceTracker(2);
        for (long s = 0; s < 10; s++) {
            t.onSequence(0, s);
        }
        assertEquals(10, t.progress);
        t.onSequence(0, 13); // 10, 11, 12 missing
        assertEquals(3, t.lost);
        t.onSequence(0, 11); // late: fills a gap
        assertEquals(2, t.lost);
        assertEquals(1, t.reordered);
        t.onSequence(0, 11); // again: duplicate
        t.onSequence(0, 13); // duplicate of the newest
        assertEquals(2, t.duplicated);
        t.onSequence(1, 0);
        assertEquals(14 + 1, t.progress);
        assertEquals(1, t.missingAfterLast(1, 2));
        assertEquals(0, t.missingAfterLast(0, 14));
        t.onSequence(0, 1000); // a gap wider than the window
        t.onSequence(0, 500); // too old to tell: reordered, stays lost
        assertEquals(2 + 986, t.lost);
        assertEquals(2, t.reordered);
    }

    @Test
    void webSocketFramesDecodeTheSameAtEverySplitPoint() {
        ByteArrayOutputStream wire = new ByteArrayOutputStream();
        byte[] big = "x".repeat(300).getBytes(StandardCharsets.US_ASCII);
        wire.writeBytes(new byte[] {(byte) 0x81, 6, '?', 'p', 'r', 'o', 'b', 'e'});
        wire.writeBytes(new byte[] {(byte) 0x89, 0}); // a server ping: skipped
        wire.writeBytes(new byte[] {(byte) 0x81, 2, 'h', 'i'});
        wire.writeBytes(new byte[] {(byte) 0x81, 126, 1, 44});
        wire.writeBytes(big);
        wire.writeBytes(new byte[] {(byte) 0x82, 1, 'b'});
        byte[] all = wire.toByteArray();
        List<String> expected = List.of("probe", "message hi", "message " + "x".repeat(300), "message b");
        for (int split = 0; split <= all.length; split++) {
            WsFrameClientDecoder d = new WsFrameClientDecoder();
            Recorder r = new Recorder();
            ByteBuffer buf = ByteBuffer.allocate(all.length);
            buf.put(all, 0, split).flip();
            assertEquals(SubscriberDecoder.OK, d.decode(buf, r));
            buf.compact().put(all, split, all.length - split).flip();
            assertEquals(SubscriberDecoder.OK, d.decode(buf, r));
            assertEquals(expected, r.events, "split at " + split);
            assertFalse(buf.hasRemaining());
        }
        Recorder r = new Recorder();
        assertEquals(SubscriberDecoder.MALFORMED, new WsFrameClientDecoder().decode(
                ByteBuffer.wrap(new byte[] {(byte) 0x81, (byte) 0x81, 0, 0, 0, 0, 'x'}), r), "a masked server frame");
        assertTrue(r.events.isEmpty());
    }

    @Test
    void serverSentEventsDecodeTheSameAtEverySplitPoint() {
        String payload = "B" + "0".repeat(44) + "....";
        byte[] all = (": ok\n\ndata: ?probe\n\n: ping\n\ndata: " + payload + "\n\nevent: x\ndata: hi\n\n")
                .getBytes(StandardCharsets.US_ASCII);
        List<String> expected = List.of("probe", "message " + payload, "message hi");
        for (int split = 0; split <= all.length; split++) {
            SseEventDecoder d = new SseEventDecoder(payload.length());
            Recorder r = new Recorder();
            ByteBuffer buf = ByteBuffer.allocate(all.length);
            buf.put(all, 0, split).flip();
            assertEquals(SubscriberDecoder.OK, d.decode(buf, r));
            buf.compact().put(all, split, all.length - split).flip();
            assertEquals(SubscriberDecoder.OK, d.decode(buf, r));
            assertEquals(expected, r.events, "split at " + split);
            assertFalse(buf.hasRemaining());
        }
    }
}
