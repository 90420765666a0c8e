package io.fanout.protocol.ws;

import java.nio.ByteBuffer;

import io.fanout.broker.Publication;
import io.fanout.engine.Frame;

/**
 * The JSON form of a published message, shared by the {@code fanout.json} WebSocket and
 * multi-topic SSE streams:
 * <pre>
 *   {"channel":"a","data":"hi"}
 *   {"channel":"news.1","pattern":"news.*","data":"hi"}     (a pattern subscription)
 *   {"channel":"a","data64":"/w=="}                          (payload not UTF-8)
 * </pre>
 * Written straight into a frame: lengths are computed first, then the bytes, with no
 * String and no allocation. Strings are escaped per RFC 8259: quote, backslash and control
 * characters; everything else passes as UTF-8. A channel or pattern name that is not UTF-8
 * has its non-ASCII bytes written as U+FFFD (names are labels; payloads keep every byte).
 * Stateless.
 */
public final class JsonEnvelope {
    private static final byte[] CHANNEL = ascii("{\"channel\":\"");
    private static final byte[] PATTERN = ascii("\",\"pattern\":\"");
    private static final byte[] DATA = ascii("\",\"data\":\"");
    private static final byte[] DATA64 = ascii("\",\"data64\":\"");
    private static final byte[] END = ascii("\"}");
    private static final byte[] REPLACEMENT = ascii("\\ufffd");
    private static final byte[] HEX = ascii("0123456789abcdef");
    private static final byte[] BASE64 = ascii("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/");

    private JsonEnvelope() {
    }

    private static byte[] ascii(String s) {
        return s.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    }

    /** Bytes of the envelope; {@code utf8} says whether the payload goes as "data" (else "data64"). */
    public static int length(Publication p, byte[] pattern, boolean utf8) {
        int n = CHANNEL.length + nameLength(p.channel()) + END.length;
        if (pattern != null) {
            n += PATTERN.length + nameLength(pattern);
        }
        ByteBuffer payload = p.payload();
        if (utf8) {
            n += DATA.length + escapedLength(payload, payload.position(), payload.limit());
        } else {
            n += DATA64.length + base64Length(payload.remaining());
        }
        return n;
    }

    public static void write(Frame f, Publication p, byte[] pattern, boolean utf8) {
        f.put(CHANNEL);
        writeName(f, p.channel());
        if (pattern != null) {
            f.put(PATTERN);
            writeName(f, pattern);
        }
        ByteBuffer payload = p.payload();
        if (utf8) {
            f.put(DATA);
            writeEscaped(f, payload, payload.position(), payload.limit());
        } else {
            f.put(DATA64);
            writeBase64(f, payload, payload.position(), payload.limit());
        }
        f.put(END);
    }

    /** A JSON string literal of {@code s} with its quotes (for replies, not the hot path). */
    public static String quote(String s) {
        StringBuilder out = new StringBuilder(s.length() + 2).append('"');
        for (int k = 0; k < s.length(); k++) {
            char c = s.charAt(k);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default -> {
                    if (c < 0x20) {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        return out.append('"').toString();
    }

    public static int base64Length(int n) {
        return (n + 2) / 3 * 4;
    }

    private static int escapeWidth(int b) {
        if (b == '"' || b == '\\' || b == '\n' || b == '\r' || b == '\t' || b == '\b' || b == '\f') {
            return 2;
        }
        return b < 0x20 ? 6 : 1;
    }

    /** Escaped length of valid UTF-8 bytes [from, to) of buf. */
    public static int escapedLength(ByteBuffer buf, int from, int to) {
        int n = 0;
        for (int i = from; i < to; i++) {
            n += escapeWidth(buf.get(i) & 0xFF);
        }
        return n;
    }

    /** Writes valid UTF-8 bytes escaped; runs of plain bytes are copied in one go. */
    public static void writeEscaped(Frame f, ByteBuffer buf, int from, int to) {
        int run = from;
        for (int i = from; i < to; i++) {
            int b = buf.get(i) & 0xFF;
            if (escapeWidth(b) != 1) {
                if (i > run) {
                    f.put(buf, run, i - run);
                }
                writeEscape(f, b);
                run = i + 1;
            }
        }
        if (to > run) {
            f.put(buf, run, to - run);
        }
    }

    private static void writeEscape(Frame f, int b) {
        f.put((byte) '\\');
        switch (b) {
            case '"' -> f.put((byte) '"');
            case '\\' -> f.put((byte) '\\');
            case '\n' -> f.put((byte) 'n');
            case '\r' -> f.put((byte) 'r');
            case '\t' -> f.put((byte) 't');
            case '\b' -> f.put((byte) 'b');
            case '\f' -> f.put((byte) 'f');
            default -> f.put((byte) 'u').put((byte) '0').put((byte) '0').put(HEX[b >>> 4]).put(HEX[b & 0xF]);
        }
    }

    private static boolean isUtf8(byte[] name) {
        Utf8Validator v = null;
        for (byte b : name) {
            if (b < 0) {
                v = new Utf8Validator(); // rare: only names with non-ASCII bytes get here
                break;
            }
        }
        return v == null || (v.update(ByteBuffer.wrap(name), 0, name.length) && v.isComplete());
    }

    static int nameLength(byte[] name) {
        boolean utf8 = isUtf8(name);
        int n = 0;
        for (byte value : name) {
            int b = value & 0xFF;
            n += b >= 0x80 && !utf8 ? REPLACEMENT.length : escapeWidth(b);
        }
        return n;
    }

    static void writeName(Frame f, byte[] name) {
        boolean utf8 = isUtf8(name);
        int run = 0;
        for (int i = 0; i < name.length; i++) {
            int b = name[i] & 0xFF;
            boolean replace = b >= 0x80 && !utf8;
            if (replace || escapeWidth(b) != 1) {
                if (i > run) {
                    f.put(name, run, i - run);
                }
                if (replace) {
                    f.put(REPLACEMENT);
                } else {
                    writeEscape(f, b);
                }
                run = i + 1;
            }
        }
        if (name.length > run) {
            f.put(name, run, name.length - run);
        }
    }

    /** Standard base64 with padding (RFC 4648 §4) of bytes [from, to) of buf. */
    public static void writeBase64(Frame f, ByteBuffer buf, int from, int to) {
        int i = from;
        for (; i + 3 <= to; i += 3) {
            int v = (buf.get(i) & 0xFF) << 16 | (buf.get(i + 1) & 0xFF) << 8 | (buf.get(i + 2) & 0xFF);
            f.put(BASE64[v >>> 18]).put(BASE64[(v >>> 12) & 63]).put(BASE64[(v >>> 6) & 63]).put(BASE64[v & 63]);
        }
        int left = to - i;
        if (left == 1) {
            int v = (buf.get(i) & 0xFF) << 16;
            f.put(BASE64[v >>> 18]).put(BASE64[(v >>> 12) & 63]).put((byte) '=').put((byte) '=');
        } else if (left == 2) {
            int v = (buf.get(i) & 0xFF) << 16 | (buf.get(i + 1) & 0xFF) << 8;
            f.put(BASE64[v >>> 18]).put(BASE64[(v >>> 12) & 63]).put(BASE64[(v >>> 6) & 63]).put((byte) '=');
        }
    }
}
