package io.fanout.bench;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * Decodes what a RESP2 subscriber receives: push arrays
 * ({@code *3 message <channel> <payload>}, {@code *4 pmessage ...}, {@code *3 subscribe <channel> :n}),
 * and the few top-level replies the bench asks for (an integer for CLIENT ID, errors).
 * RESP3 {@code >} pushes are accepted the same way. Anything else is skipped if its framing
 * is known, otherwise the stream is {@link #MALFORMED}.
 *
 * <p>Fast path: the bench knows the exact bytes before every payload it will receive
 * ({@code *3 $7 message $<c> <channel> $<n>}); a frame that starts with them is taken
 * after a few 8-byte compares, without parsing. Anything else goes the general way.
 *
 * <p>Restart-on-incomplete: a frame cut by the end of the buffer is parsed again from its
 * start after the next read. Frames are small next to the buffer, so the re-parse is cheap
 * and the decoder keeps no state between calls.
 *
 * <p>Threads: one instance per subscriber loop thread.
 */
final class RespPushDecoder implements SubscriberDecoder {
    private static final int INCOMPLETE = -1;
    private static final int MAX_ELEMENTS = 16;

    /** The number parsed by the last {@link #number} call. */
    private long number;
    private String problem = "";

    private final byte[] messagePrefix;
    private final long[] messagePrefixWords;
    private final int payloadBytes;
    private final int messageFrameBytes;

    /** A decoder expecting messages of payloadBytes on channel (any others still decode). */
    RespPushDecoder(String channel, int payloadBytes) {
        byte[] c = channel.getBytes(StandardCharsets.UTF_8);
        ByteBuffer prefix = ByteBuffer.allocate(64 + c.length);
        prefix.put(("*3\r\n$7\r\nmessage\r\n$" + c.length + "\r\n").getBytes(StandardCharsets.US_ASCII));
        prefix.put(c);
        prefix.put(("\r\n$" + payloadBytes + "\r\n").getBytes(StandardCharsets.US_ASCII));
        prefix.flip();
        this.messagePrefix = new byte[prefix.remaining()];
        prefix.get(messagePrefix);
        this.messagePrefixWords = new long[messagePrefix.length / 8];
        ByteBuffer words = ByteBuffer.wrap(messagePrefix);
        for (int i = 0; i < messagePrefixWords.length; i++) {
            messagePrefixWords[i] = words.getLong(8 * i);
        }
        this.payloadBytes = payloadBytes;
        this.messageFrameBytes = messagePrefix.length + payloadBytes + 2;
    }

    @Override
    public String problem() {
        return problem;
    }

    @Override
    public int decode(ByteBuffer src, FrameSink sink) {
        int pos = src.position();
        int limit = src.limit();
        while (pos < limit) {
            if (limit - pos >= messageFrameBytes && isExpectedMessage(src, pos)) {
                sink.onMessage(src, pos + messagePrefix.length, payloadBytes);
                pos += messageFrameBytes;
                continue;
            }
            int end = frame(src, pos, limit, sink);
            if (end == INCOMPLETE) {
                break;
            }
            if (end == MALFORMED) {
                src.position(pos);
                return MALFORMED;
            }
            pos = end;
        }
        src.position(pos);
        return OK;
    }

    /** Whether a whole frame at pos is a message on the expected channel of the expected size. */
    private boolean isExpectedMessage(ByteBuffer b, int pos) {
        long[] words = messagePrefixWords;
        for (int i = 0; i < words.length; i++) {
            if (b.getLong(pos + 8 * i) != words[i]) {
                return false;
            }
        }
        for (int i = 8 * words.length; i < messagePrefix.length; i++) {
            if (b.get(pos + i) != messagePrefix[i]) {
                return false;
            }
        }
        int end = pos + messageFrameBytes;
        return b.get(end - 2) == '\r' && b.get(end - 1) == '\n';
    }

    /** Returns the index after the frame at pos, INCOMPLETE or MALFORMED. */
    private int frame(ByteBuffer b, int pos, int limit, FrameSink sink) {
        byte type = b.get(pos);
        switch (type) {
            case '*':
            case '>':
                return array(b, pos, limit, sink);
            case ':': {
                int end = number(b, pos + 1, limit);
                if (end >= 0) {
                    sink.onInteger(number);
                }
                return end;
            }
            case '-': {
                int end = lineEnd(b, pos + 1, limit);
                if (end >= 0) {
                    sink.onError(b, pos + 1, end - 2 - (pos + 1));
                }
                return end;
            }
            case '+':
                return lineEnd(b, pos + 1, limit);
            case '$':
                return bulk(b, pos, limit);
            default:
                return malformed("unexpected byte '" + (char) type + "' at the start of a reply");
        }
    }

    private int array(ByteBuffer b, int pos, int limit, FrameSink sink) {
        int i = number(b, pos + 1, limit);
        if (i < 0) {
            return i;
        }
        long count = number;
        if (count < 0 || count > MAX_ELEMENTS) {
            return malformed("unexpected array of " + count + " elements");
        }
        int kindOffset = -1;
        int kindLength = 0;
        int lastOffset = -1;
        int lastLength = -1;
        for (long k = 0; k < count; k++) {
            if (i >= limit) {
                return INCOMPLETE;
            }
            byte t = b.get(i);
            if (t == '$') {
                i = number(b, i + 1, limit);
                if (i < 0) {
                    return i;
                }
                long length = number;
                if (length < 0) { // a null bulk
                    lastOffset = -1;
                    continue;
                }
                if (i + length + 2 > limit) {
                    return INCOMPLETE;
                }
                if (k == 0) {
                    kindOffset = i;
                    kindLength = (int) length;
                }
                lastOffset = i;
                lastLength = (int) length;
                i += (int) length + 2;
            } else if (t == ':') {
                i = number(b, i + 1, limit);
                if (i < 0) {
                    return i;
                }
                lastOffset = -1;
            } else {
                return malformed("unexpected element type '" + (char) t + "' in a push");
            }
        }
        dispatch(b, kindOffset, kindLength, lastOffset, lastLength, sink);
        return i;
    }

    /** message / pmessage / smessage deliver; subscribe confirms; the rest is ignored. */
    private static void dispatch(ByteBuffer b, int kindOffset, int kindLength, int lastOffset, int lastLength,
                                 FrameSink sink) {
        if (kindOffset < 0) {
            return;
        }
        byte first = b.get(kindOffset);
        if ((kindLength == 7 && first == 'm') || (kindLength == 8 && (first == 'p' || first == 's')
                && b.get(kindOffset + 1) == 'm')) {
            if (lastOffset >= 0) {
                sink.onMessage(b, lastOffset, lastLength);
            }
        } else if (kindLength == 9 && first == 's' && b.get(kindOffset + 1) == 'u') {
            sink.onSubscribed();
        }
    }

    /** A top-level bulk string (an INFO reply, say): skipped whole. */
    private int bulk(ByteBuffer b, int pos, int limit) {
        int i = number(b, pos + 1, limit);
        if (i < 0) {
            return i;
        }
        if (number < 0) {
            return i;
        }
        long end = i + number + 2;
        return end > limit ? INCOMPLETE : (int) end;
    }

    /**
     * Parses an optionally negative decimal ended by CRLF starting at i into {@link #number};
     * returns the index after the LF.
     */
    private int number(ByteBuffer b, int i, int limit) {
        boolean negative = false;
        if (i < limit && b.get(i) == '-') {
            negative = true;
            i++;
        }
        long n = 0;
        int digits = 0;
        while (i < limit) {
            byte c = b.get(i);
            if (c >= '0' && c <= '9') {
                n = n * 10 + (c - '0');
                if (++digits > 18) {
                    return malformed("number too long");
                }
                i++;
            } else if (c == '\r') {
                if (i + 1 >= limit) {
                    return INCOMPLETE;
                }
                if (b.get(i + 1) != '\n' || digits == 0) {
                    return malformed("bad number");
                }
                number = negative ? -n : n;
                return i + 2;
            } else {
                return malformed("bad number");
            }
        }
        return INCOMPLETE;
    }

    /** Index after the CRLF ending the line that starts at i. */
    private static int lineEnd(ByteBuffer b, int i, int limit) {
        for (; i < limit; i++) {
            if (b.get(i) == '\n') {
                return i + 1;
            }
        }
        return INCOMPLETE;
    }

    private int malformed(String why) {
        problem = why;
        return MALFORMED;
    }
}
