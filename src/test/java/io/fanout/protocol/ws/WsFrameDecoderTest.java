package io.fanout.protocol.ws;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import io.fanout.testing.RawWsClient;

/** The frame decoder on its own: every rule of RFC 6455 a server enforces, and every split point. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class WsFrameDecoderTest {
    static final int TEXT = 1;
    static final int BINARY = 2;
    static final int CONT = 0;

    /** Records what the decoder reports, as strings. */
    static final class Recorder implements WsFrameDecoder.Listener {
        final List<String> events = new ArrayList<>();

        @Override
        public void onMessage(boolean text, ByteBuffer payload) {
            byte[] b = new byte[payload.remaining()];
            payload.get(payload.position(), b);
            events.add((text ? "text:" : "binary:") + (text ? new String(b, StandardCharsets.UTF_8) : hex(b)));
        }

        @Override
        public void onPing(ByteBuffer payload) {
            events.add("ping:" + payload.remaining());
        }

        @Override
        public void onPong(ByteBuffer payload) {
            events.add("pong:" + payload.remaining());
        }

        @Override
        public void onClose(int code, String reason) {
            events.add("close:" + code + ":" + reason);
        }
    }

    static String hex(byte[] b) {
        StringBuilder s = new StringBuilder();
        for (byte x : b) {
            s.append(String.format("%02x", x));
        }
        return s.toString();
    }

    static byte[] masked(boolean fin, int opcode, byte[] payload) {
        return RawWsClient.maskedFrame(fin, opcode, payload);
    }

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }

    /** Feeds the chunks like the engine does: unconsumed bytes are carried to the next call. */
    static int feed(WsFrameDecoder d, Recorder r, byte[]... chunks) {
        ByteBuffer carry = ByteBuffer.allocate(0);
        int result = WsFrameDecoder.NEED_MORE;
        for (byte[] chunk : chunks) {
            ByteBuffer in = ByteBuffer.allocate(carry.remaining() + chunk.length);
            in.put(carry).put(chunk).flip();
            result = d.decode(in, r);
            if (result != WsFrameDecoder.NEED_MORE) {
                return result;
            }
            carry = in.slice();
        }
        return result;
    }

    /** A valid stream with everything a browser may send: fragments with a ping between, UTF-8 split mid-character. */
    static byte[] validStream() {
        byte[] euro = utf8("€"); // 3 bytes, split across fragments below
        return concat(
                masked(true, TEXT, utf8("hello")),
                masked(false, TEXT, concat(utf8("a"), new byte[] {euro[0]})),
                masked(true, 0x9, utf8("p")),
                masked(false, CONT, new byte[] {euro[1], euro[2]}),
                masked(true, CONT, utf8("z")),
                masked(true, BINARY, new byte[] {(byte) 0xFF, 0}),
                masked(true, TEXT, new byte[300]).clone(),
                masked(true, 0xA, new byte[0]),
                masked(true, 0x8, concat(new byte[] {0x03, (byte) 0xE8}, utf8("bye"))));
    }

    static final List<String> VALID_EVENTS = List.of("text:hello", "ping:1", "text:a€z", "binary:ff00",
            "text:" + new String(new byte[300], StandardCharsets.UTF_8), "pong:0", "close:1000:bye");

    @Test
    void aValidStreamDecodesTheSameAtEverySplitPoint() {
        byte[] stream = validStream();
        for (int split = 0; split <= stream.length; split++) {
            WsFrameDecoder d = new WsFrameDecoder(1 << 20);
            Recorder r = new Recorder();
            int result = feed(d, r, java.util.Arrays.copyOfRange(stream, 0, split),
                    java.util.Arrays.copyOfRange(stream, split, stream.length));
            assertEquals(WsFrameDecoder.CLOSED, result, "split at " + split);
            assertEquals(VALID_EVENTS, r.events, "split at " + split);
        }
    }

    @Test
    void aValidStreamDecodesInOneBytePieces() {
        byte[] stream = validStream();
        byte[][] pieces = new byte[stream.length][];
        for (int i = 0; i < stream.length; i++) {
            pieces[i] = new byte[] {stream[i]};
        }
        WsFrameDecoder d = new WsFrameDecoder(1 << 20);
        Recorder r = new Recorder();
        assertEquals(WsFrameDecoder.CLOSED, feed(d, r, pieces));
        assertEquals(VALID_EVENTS, r.events);
    }

    @Test
    void lengthsOfSixteenAndSixtyFourBitsDecode() {
        WsFrameDecoder d = new WsFrameDecoder(1 << 20);
        Recorder r = new Recorder();
        byte[] mid = new byte[70_000];
        feed(d, r, masked(true, BINARY, new byte[126]), masked(true, BINARY, new byte[65535]), masked(true, BINARY, mid));
        assertEquals(3, r.events.size());
        assertEquals(2 * 126 + "binary:".length(), r.events.get(0).length());
        assertEquals(2 * 70_000 + "binary:".length(), r.events.get(2).length());
    }

    private static int refused(byte[] stream, int maxMessage) {
        WsFrameDecoder d = new WsFrameDecoder(maxMessage);
        Recorder r = new Recorder();
        int result = feed(d, r, stream);
        assertTrue(result > 0, "refused, got " + result + " events " + r.events);
        return result;
    }

    @Test
    void hostileFramesGetTheRightCloseCode() {
        byte[] key = {1, 2, 3, 4};
        assertEquals(1002, refused(RawWsClient.frame(true, TEXT, utf8("x"), null, 0), 100), "unmasked");
        assertEquals(1002, refused(RawWsClient.frame(true, TEXT, utf8("x"), key, 4), 100), "RSV1");
        assertEquals(1002, refused(RawWsClient.frame(true, TEXT, utf8("x"), key, 1), 100), "RSV3");
        for (int op : new int[] {3, 4, 5, 6, 7, 0xB, 0xC, 0xD, 0xE, 0xF}) {
            assertEquals(1002, refused(masked(true, op, new byte[0]), 100), "reserved opcode " + op);
        }
        assertEquals(1002, refused(masked(false, 0x9, new byte[0]), 100), "fragmented ping");
        assertEquals(1002, refused(masked(true, 0x9, new byte[126]), 1000), "ping over 125");
        assertEquals(1002, refused(masked(true, CONT, utf8("x")), 100), "continuation with nothing to continue");
        assertEquals(1002, refused(concat(masked(false, TEXT, utf8("a")), masked(true, TEXT, utf8("b"))), 100),
                "new message inside a fragmented one");
        assertEquals(1002, refused(masked(true, 0x8, new byte[] {3}), 100), "one-byte close");
        assertEquals(1002, refused(masked(true, 0x8, new byte[] {0x03, (byte) 0xED}), 100), "close code 1005");
        assertEquals(1002, refused(masked(true, 0x8, new byte[] {0x03, (byte) 0xEE}), 100), "close code 1006");
        assertEquals(1002, refused(masked(true, 0x8, new byte[] {0x00, 0x10}), 100), "close code 16");
        assertEquals(1007, refused(masked(true, 0x8, new byte[] {0x03, (byte) 0xE8, (byte) 0xFF}), 100), "close reason");
        assertEquals(1007, refused(masked(true, TEXT, new byte[] {(byte) 0xC0, (byte) 0x80}), 100), "overlong");
        assertEquals(1007, refused(masked(true, TEXT, new byte[] {(byte) 0xED, (byte) 0xA0, (byte) 0x80}), 100),
                "surrogate");
        assertEquals(1007, refused(masked(true, TEXT, new byte[] {(byte) 0xE2, (byte) 0x82}), 100),
                "ends inside a character");
        assertEquals(1009, refused(masked(true, BINARY, new byte[101]), 100), "over --max-message");
        assertEquals(1009, refused(concat(masked(false, BINARY, new byte[60]), masked(true, CONT, new byte[41])), 100),
                "reassembled over --max-message");
    }

    @Test
    void badUtf8FailsAtTheFirstBadFragmentNotAtTheEnd() {
        WsFrameDecoder d = new WsFrameDecoder(1000);
        Recorder r = new Recorder();
        assertEquals(WsFrameDecoder.NEED_MORE, feed(d, r, masked(false, TEXT, utf8("ok"))));
        assertEquals(1007, feed(d, r, masked(false, CONT, new byte[] {(byte) 0xF8})));
    }

    @Test
    void aHugeLengthIsRefusedFromTheHeaderAlone() {
        // Header only: 64-bit length 2^40, masked, no payload sent at all.
        byte[] header = {(byte) 0x82, (byte) 0xFF, 0, 0, 1, 0, 0, 0, 0, 0, 1, 2, 3, 4};
        assertEquals(1009, refused(header, 1 << 20));
        byte[] topBit = {(byte) 0x82, (byte) 0xFF, (byte) 0x80, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4};
        assertEquals(1002, refused(topBit, 1 << 20));
    }

    @Test
    void aFragmentFloodIsCut() {
        WsFrameDecoder d = new WsFrameDecoder(1 << 20);
        Recorder r = new Recorder();
        ByteArrayOutputStream flood = new ByteArrayOutputStream();
        flood.writeBytes(masked(false, BINARY, new byte[0]));
        for (int i = 0; i < WsFrameDecoder.MAX_FRAGMENTS + 5; i++) {
            flood.writeBytes(masked(false, CONT, new byte[0]));
        }
        assertEquals(1008, feed(d, r, flood.toByteArray()));
    }

    @Test
    void nothingAfterACloseFrameIsRead() {
        WsFrameDecoder d = new WsFrameDecoder(100);
        Recorder r = new Recorder();
        assertEquals(WsFrameDecoder.CLOSED, feed(d, r, concat(masked(true, 0x8, new byte[0]), masked(true, TEXT, utf8("x")))));
        assertEquals(List.of("close:1005:"), r.events);
    }
}
