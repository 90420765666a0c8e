package io.fanout.protocol.ws;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

import io.fanout.engine.Frame;
import io.fanout.engine.FramePool;
import io.fanout.testing.RawWsClient;

/**
 * Properties of the frame codec: any binary message, cut into any fragments, masked with any
 * key and fed in any chunks, comes out whole and byte-exact; and the server's own frame
 * header is what a client decoder expects for every length class.
 */
class WsFrameCodecPropertyTest {

    @Provide
    Arbitrary<byte[]> payloads() {
        return Arbitraries.oneOf(
                Arbitraries.bytes().array(byte[].class).ofMaxSize(300),
                Arbitraries.integers().between(125, 70_000).map(byte[]::new));
    }

    @Property(tries = 300)
    void fragmentedMaskedMessagesReassembleByteExact(@ForAll("payloads") byte[] message,
                                                      @ForAll @IntRange(min = 1, max = 5) int fragments,
                                                      @ForAll @IntRange(min = 1, max = 4000) int chunk) {
        ByteArrayOutputStream stream = new ByteArrayOutputStream();
        int per = Math.max(1, message.length / fragments);
        int off = 0;
        boolean first = true;
        while (true) {
            int end = Math.min(message.length, off + per);
            boolean last = end == message.length;
            byte[] part = java.util.Arrays.copyOfRange(message, off, end);
            stream.writeBytes(RawWsClient.maskedFrame(last, first ? 2 : 0, part));
            if (!last && fragments > 1) {
                stream.writeBytes(RawWsClient.maskedFrame(true, 0x9, new byte[] {7})); // a ping in between
            }
            first = false;
            off = end;
            if (last) {
                break;
            }
        }
        byte[] all = stream.toByteArray();
        List<byte[]> got = new ArrayList<>();
        WsFrameDecoder d = new WsFrameDecoder(1 << 20);
        WsFrameDecoder.Listener l = new WsFrameDecoder.Listener() {
            @Override
            public void onMessage(boolean text, ByteBuffer payload) {
                byte[] b = new byte[payload.remaining()];
                payload.get(payload.position(), b);
                got.add(b);
            }

            @Override
            public void onPing(ByteBuffer payload) {
            }

            @Override
            public void onPong(ByteBuffer payload) {
            }

            @Override
            public void onClose(int code, String reason) {
            }
        };
        ByteBuffer carry = ByteBuffer.allocate(0);
        for (int i = 0; i < all.length; i += chunk) {
            int n = Math.min(chunk, all.length - i);
            ByteBuffer in = ByteBuffer.allocate(carry.remaining() + n);
            in.put(carry).put(all, i, n).flip();
            assertEquals(WsFrameDecoder.NEED_MORE, d.decode(in, l));
            carry = in.slice();
        }
        assertEquals(0, carry.remaining());
        assertEquals(1, got.size());
        assertArrayEquals(message, got.get(0));
    }

    @Property(tries = 200)
    void serverFrameHeadersAreShortestFormAndUnmasked(@ForAll @IntRange(max = 70_000) int length) {
        FramePool pool = new FramePool(1 << 20);
        Frame f = pool.acquire(length + 10);
        WsFrames.writeHeader(f, WsFrames.OP_BINARY, length);
        byte[] h = new byte[f.length()];
        f.copyTo(0, h, 0, h.length);
        assertEquals(WsFrames.headerLength(length), h.length);
        assertEquals((byte) 0x82, h[0]);
        int len7 = h[1] & 0xFF;
        assertEquals(0, len7 & 0x80, "a server never masks");
        long decoded = len7 < 126 ? len7 : len7 == 126 ? ((h[2] & 0xFF) << 8 | (h[3] & 0xFF))
                : ByteBuffer.wrap(h, 2, 8).getLong();
        assertEquals(length, decoded);
        if (length >= 126) {
            assertEquals(length <= 0xFFFF ? 126 : 127, len7);
        }
        f.release(pool);
    }
}
