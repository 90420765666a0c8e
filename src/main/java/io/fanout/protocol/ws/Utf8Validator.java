package io.fanout.protocol.ws;

import java.nio.ByteBuffer;

/**
 * Checks UTF-8 (RFC 3629: no overlongs, no surrogates, nothing above U+10FFFF), either a
 * whole buffer at once ({@link #isValid}) or incrementally across the fragments of one
 * WebSocket text message ({@link #update}, then {@link #isComplete} at the end). The
 * incremental form fails as soon as a byte can no longer start or continue a valid
 * sequence, so a hostile text message is refused at its first bad byte (RFC 6455 §8.1).
 *
 * <p>Not thread-safe: one per connection, loop thread only. No allocation.
 */
public final class Utf8Validator {
    /** Continuation bytes still expected for the current sequence. */
    private int needed;
    /** Allowed range of the next continuation byte (narrower after E0, ED, F0, F4). */
    private int lower = 0x80;
    private int upper = 0xBF;

    /** Forgets any partial sequence: call at the start of a message. */
    public void reset() {
        needed = 0;
        lower = 0x80;
        upper = 0xBF;
    }

    /** True when no sequence is open: the bytes so far end on a character boundary. */
    public boolean isComplete() {
        return needed == 0;
    }

    /** Feeds bytes [from, to) of buf (absolute indexes); false at the first invalid byte. */
    public boolean update(ByteBuffer buf, int from, int to) {
        for (int i = from; i < to; i++) {
            int b = buf.get(i) & 0xFF;
            if (needed == 0) {
                if (b < 0x80) {
                    continue;
                }
                if (!start(b)) {
                    return false;
                }
            } else {
                if (b < lower || b > upper) {
                    return false;
                }
                lower = 0x80;
                upper = 0xBF;
                needed--;
            }
        }
        return true;
    }

    private boolean start(int b) {
        if (b >= 0xC2 && b <= 0xDF) {
            needed = 1;
        } else if (b >= 0xE0 && b <= 0xEF) {
            needed = 2;
            if (b == 0xE0) {
                lower = 0xA0; // overlong otherwise
            } else if (b == 0xED) {
                upper = 0x9F; // U+D800..U+DFFF are surrogates
            }
        } else if (b >= 0xF0 && b <= 0xF4) {
            needed = 3;
            if (b == 0xF0) {
                lower = 0x90; // overlong otherwise
            } else if (b == 0xF4) {
                upper = 0x8F; // above U+10FFFF otherwise
            }
        } else {
            return false; // 0x80..0xC1 (stray continuation, overlong lead) or 0xF5..0xFF
        }
        return true;
    }

    /** Whether the buffer's remaining bytes are complete, valid UTF-8; moves nothing. */
    public static boolean isValid(ByteBuffer buf) {
        int i = buf.position();
        int end = buf.limit();
        // ASCII fast path, eight bytes at a time: most chat and JSON payloads never leave it.
        while (i + 8 <= end && (buf.getLong(i) & 0x8080808080808080L) == 0) {
            i += 8;
        }
        while (i < end && buf.get(i) >= 0) {
            i++;
        }
        if (i == end) {
            return true;
        }
        return validateSlow(buf, i, end);
    }

    private static boolean validateSlow(ByteBuffer buf, int from, int end) {
        int i = from;
        while (i < end) {
            int b = buf.get(i) & 0xFF;
            if (b < 0x80) {
                i++;
                continue;
            }
            int n;
            int lo = 0x80;
            int hi = 0xBF;
            if (b >= 0xC2 && b <= 0xDF) {
                n = 1;
            } else if (b >= 0xE0 && b <= 0xEF) {
                n = 2;
                lo = b == 0xE0 ? 0xA0 : 0x80;
                hi = b == 0xED ? 0x9F : 0xBF;
            } else if (b >= 0xF0 && b <= 0xF4) {
                n = 3;
                lo = b == 0xF0 ? 0x90 : 0x80;
                hi = b == 0xF4 ? 0x8F : 0xBF;
            } else {
                return false;
            }
            if (i + n >= end) { // truncated at the end
                return false;
            }
            int c = buf.get(i + 1) & 0xFF;
            if (c < lo || c > hi) {
                return false;
            }
            for (int k = 2; k <= n; k++) {
                c = buf.get(i + k) & 0xFF;
                if (c < 0x80 || c > 0xBF) {
                    return false;
                }
            }
            i += n + 1;
        }
        return true;
    }
}
