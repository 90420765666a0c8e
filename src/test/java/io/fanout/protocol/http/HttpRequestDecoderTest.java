package io.fanout.protocol.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The request-head decoder: every split point, one-byte pieces, and every limit and malformation. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class HttpRequestDecoderTest {
    static final String TWO = "GET /ws/room?token=s%20t HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n"
            + "X-Empty:\r\nX-Spaces:   a b  \r\n\r\n"
            + "POST /publish/a HTTP/1.0\nContent-Length: 2\n\nhi";

    static HttpRequestDecoder decoder() {
        return new HttpRequestDecoder(HttpSettings.MAX_REQUEST_LINE_BYTES, HttpSettings.MAX_HEAD_BYTES,
                HttpSettings.MAX_HEADERS);
    }

    /** Feeds pieces like the engine does (carrying unconsumed bytes); returns the heads found. */
    static java.util.List<HttpRequest> feed(HttpRequestDecoder d, byte[]... pieces) {
        java.util.List<HttpRequest> out = new java.util.ArrayList<>();
        ByteBuffer carry = ByteBuffer.allocate(0);
        for (byte[] piece : pieces) {
            ByteBuffer in = ByteBuffer.allocate(carry.remaining() + piece.length);
            in.put(carry).put(piece).flip();
            while (true) {
                HttpRequest r = d.next(in);
                if (r == null) {
                    break;
                }
                out.add(r);
                in.position(in.position() + d.consumedBytes());
            }
            if (d.failed()) {
                return out;
            }
            carry = in.slice();
        }
        return out;
    }

    static void checkTwo(java.util.List<HttpRequest> got, String where) {
        assertEquals(2, got.size(), where);
        HttpRequest a = got.get(0);
        assertEquals("GET", a.method());
        assertEquals("/ws/room", a.rawPath());
        assertEquals("token=s%20t", a.rawQuery());
        assertEquals("websocket", a.header("upgrade"));
        assertEquals("", a.header("X-Empty"));
        assertEquals("a b", a.header("x-spaces"));
        assertTrue(a.keepAlive());
        HttpRequest b = got.get(1);
        assertEquals("POST", b.method());
        assertEquals("HTTP/1.0", b.version());
        assertEquals("2", b.header("Content-Length"));
        assertFalse(b.keepAlive());
    }

    @Test
    void twoPipelinedHeadsDecodeAtEverySplitPoint() {
        byte[] all = TWO.getBytes(StandardCharsets.ISO_8859_1);
        for (int split = 0; split <= all.length; split++) {
            HttpRequestDecoder d = decoder();
            checkTwo(feed(d, java.util.Arrays.copyOfRange(all, 0, split),
                    java.util.Arrays.copyOfRange(all, split, all.length)), "split at " + split);
        }
    }

    @Test
    void headsDecodeInOneBytePieces() {
        byte[] all = TWO.getBytes(StandardCharsets.ISO_8859_1);
        byte[][] pieces = new byte[all.length][];
        for (int i = 0; i < all.length; i++) {
            pieces[i] = new byte[] {all[i]};
        }
        checkTwo(feed(decoder(), pieces), "one-byte pieces");
    }

    static int status(String head) {
        HttpRequestDecoder d = decoder();
        HttpRequest r = d.next(ByteBuffer.wrap(head.getBytes(StandardCharsets.ISO_8859_1)));
        assertNull(r, head);
        assertTrue(d.failed(), "refused: " + head);
        return d.errorStatus();
    }

    @Test
    void limitsAndMalformationsGetTheirStatus() {
        assertEquals(414, status("GET /" + "a".repeat(HttpSettings.MAX_REQUEST_LINE_BYTES) + " HTTP/1.1\r\n\r\n"));
        assertEquals(414, status("GET /" + "a".repeat(HttpSettings.MAX_REQUEST_LINE_BYTES + 10)), "before any newline");
        assertEquals(431, status("GET / HTTP/1.1\r\nX: " + "b".repeat(HttpSettings.MAX_HEAD_BYTES) + "\r\n\r\n"));
        assertEquals(431, status("GET / HTTP/1.1\r\n" + "X: y\r\n".repeat(HttpSettings.MAX_HEADERS + 1) + "\r\n"));
        assertEquals(431, status("GET / HTTP/1.1\r\nX: " + "b".repeat(HttpSettings.MAX_HEAD_BYTES)), "unfinished head");
        assertEquals(400, status("GET / HTTP/1.1\r\nX: a\r\n folded\r\n\r\n"));
        assertEquals(400, status("GET / HTTP/1.1\r\nBad Name: a\r\n\r\n"));
        assertEquals(400, status("GET / HTTP/1.1\r\n: a\r\n\r\n"));
        assertEquals(400, status("GET http://x/ HTTP/1.1\r\n\r\n"));
        assertEquals(400, status("GET  / HTTP/1.1\r\n\r\n"));
        assertEquals(400, status("G(T / HTTP/1.1\r\n\r\n"));
        assertEquals(400, status("GET /\u00e9 HTTP/1.1\r\n\r\n"));
        assertEquals(400, status("GET / FTP/1.1\r\n\r\n"));
        assertEquals(505, status("GET / HTTP/2.0\r\n\r\n"));
        assertEquals(400, status("GET / HTTP/1.1\r\nX: a\u0000b\r\n\r\n"));
    }

    @Test
    void anIncompleteHeadWaitsAndSaysItIsInProgress() {
        HttpRequestDecoder d = decoder();
        assertNull(d.next(ByteBuffer.wrap("GET / HT".getBytes(StandardCharsets.ISO_8859_1))));
        assertFalse(d.failed());
        assertTrue(d.inProgress());
        assertNotNull(d.next(ByteBuffer.wrap("GET / HTTP/1.1\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1))));
        assertFalse(d.inProgress());
    }
}
