package io.fanout.protocol.resp;

import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Objects;

/**
 * Encodes RESP2/RESP3 replies into a growable, reusable byte array.
 *
 * <p>Role: the command layer writes a reply (or a pushed message) here, then hands
 * {@link #array()}/{@link #size()} or {@link #asReadBuffer()} to the connection's output path
 * and calls {@link #reset()} to reuse the storage. Framing matches what Redis 7.0 sends for the
 * same reply type, including the RESP2 fallbacks of RESP3-only types.
 *
 * <p>Protocol version arguments are 2 or 3 (HELLO's protover); anything else is rejected.
 *
 * <p>Strings: {@code simple}/{@code error} texts cannot contain CR or LF in RESP, so those are
 * replaced by spaces (what Redis's addReplyErrorFormat does); all {@code String} payloads are
 * encoded as UTF-8 (unpaired surrogates become '?', like {@code String.getBytes(UTF_8)}).
 * Integers and String encodings allocate nothing.
 *
 * <p>Threading: owned by one thread (a connection's loop or one message build); not
 * thread-safe.
 *
 * <p>Invariants: {@code 0 <= size <= buf.length}; the array only grows (doubling), so a
 * long-lived writer stops allocating once it has seen its largest reply.
 */
public final class RespWriter {

    private static final byte[] CRLF = {'\r', '\n'};
    private static final int MAX_ARRAY = Integer.MAX_VALUE - 8;
    /** Enough for "-9223372036854775808". */
    private static final int MAX_LONG_CHARS = 20;
    /** %.17g keeps 17 significant digits, as Redis 7.0's addReplyDouble does. */
    private static final MathContext SEVENTEEN_DIGITS = new MathContext(17, RoundingMode.HALF_EVEN);

    private byte[] buf;
    private int size;

    public RespWriter() {
        this(256);
    }

    public RespWriter(int initialCapacity) {
        buf = new byte[Math.max(16, initialCapacity)];
    }

    /** Drops the written bytes, keeping the storage. */
    public void reset() {
        size = 0;
    }

    /** Bytes written since the last reset. */
    public int size() {
        return size;
    }

    /** The backing array; bytes {@code 0..size()} are the output. Replaced when it grows. */
    public byte[] array() {
        return buf;
    }

    /** A read-mode view of bytes {@code 0..size()}; valid until the next write or reset. */
    public ByteBuffer asReadBuffer() {
        return ByteBuffer.wrap(buf, 0, size);
    }

    /** A copy of the written bytes (tests, shared pre-encoded replies). */
    public byte[] toByteArray() {
        return Arrays.copyOf(buf, size);
    }

    // ----- simple types -------------------------------------------------------------------

    /** {@code +text\r\n}. */
    public RespWriter simple(String text) {
        return line('+', text);
    }

    /** {@code -text\r\n}; {@code text} starts with the error code, e.g. "ERR unknown command". */
    public RespWriter error(String fullTextWithoutMinus) {
        return line('-', fullTextWithoutMinus);
    }

    /**
     * {@code -text\r\n} from raw bytes, e.g. {@code "ERR "} plus
     * {@link RespProtocolException#messageBytes()}, to echo non-ASCII bytes as Redis does.
     * CR and LF become spaces.
     */
    public RespWriter error(byte[] fullTextWithoutMinus) {
        int n = fullTextWithoutMinus.length;
        ensure(n + 3);
        buf[size++] = '-';
        for (byte b : fullTextWithoutMinus) {
            buf[size++] = (b == '\r' || b == '\n') ? (byte) ' ' : b;
        }
        return crlf();
    }

    /** {@code :v\r\n}. */
    public RespWriter integer(long v) {
        return prefixed(':', v);
    }

    /** RESP3 {@code #t}/{@code #f}; RESP2 sends {@code :1}/{@code :0} (Redis addReplyBool). */
    public RespWriter bool(boolean v, int protocolVersion) {
        if (resp3(protocolVersion)) {
            ensure(4);
            buf[size++] = '#';
            buf[size++] = (byte) (v ? 't' : 'f');
            return crlf();
        }
        return integer(v ? 1 : 0);
    }

    /**
     * A double formatted like Redis 7.0's addReplyDouble: {@code "%.17g"}, with infinities as
     * "inf"/"-inf". RESP3 {@code ,value\r\n}; RESP2 a bulk string of the same text.
     * (Allocates: doubles are rare in pub/sub replies.)
     */
    public RespWriter doubleValue(double d, int protocolVersion) {
        String text = formatDouble(d);
        if (resp3(protocolVersion)) {
            return line(',', text);
        }
        return bulk(text);
    }

    // ----- bulk strings -------------------------------------------------------------------

    /** {@code $len\r\n<bytes>\r\n}. */
    public RespWriter bulk(byte[] bytes) {
        return bulk(bytes, 0, bytes.length);
    }

    public RespWriter bulk(byte[] bytes, int off, int len) {
        Objects.checkFromIndexSize(off, len, bytes.length);
        header('$', len, len + 2);
        System.arraycopy(bytes, off, buf, size, len);
        size += len;
        return crlf();
    }

    /** A bulk string of {@code text}'s UTF-8 bytes. */
    public RespWriter bulk(String text) {
        int len = utf8Length(text);
        header('$', len, len + 2);
        putUtf8(text);
        return crlf();
    }

    /** A bulk string of argument {@code i} (copied straight from its source). */
    public RespWriter bulk(RespArgs args, int i) {
        int len = args.length(i);
        header('$', len, len + 2);
        args.copyTo(i, buf, size);
        size += len;
        return crlf();
    }

    /**
     * RESP3 verbatim string {@code =len\r\nfmt:text\r\n} ({@code format3} is exactly three
     * ASCII bytes, e.g. "txt"); RESP2 sends {@code text} as a plain bulk string, without the
     * format prefix, as Redis addReplyVerbatim does.
     */
    public RespWriter verbatim(String format3, String text, int protocolVersion) {
        if (!resp3(protocolVersion)) {
            return bulk(text);
        }
        if (format3.length() != 3 || utf8Length(format3) != 3) {
            throw new IllegalArgumentException("verbatim format must be 3 ASCII characters: " + format3);
        }
        int len = utf8Length(text);
        header('=', len + 4L, len + 6);
        putUtf8(format3);
        buf[size++] = ':';
        putUtf8(text);
        return crlf();
    }

    /** RESP2 {@code $-1\r\n}; RESP3 {@code _\r\n}. */
    public RespWriter nullBulk(int protocolVersion) {
        return nullOr('$', protocolVersion);
    }

    /** RESP2 {@code *-1\r\n}; RESP3 {@code _\r\n}. */
    public RespWriter nullArray(int protocolVersion) {
        return nullOr('*', protocolVersion);
    }

    // ----- aggregate headers --------------------------------------------------------------

    /** {@code *n\r\n}; the caller then writes n elements. */
    public RespWriter arrayHeader(int n) {
        return prefixed('*', n);
    }

    /** RESP3 push {@code >n}; RESP2 has no push type, so pub/sub messages are arrays. */
    public RespWriter pushHeader(int n, int protocolVersion) {
        return prefixed(resp3(protocolVersion) ? '>' : '*', n);
    }

    /** RESP3 map {@code %n} (n key/value pairs); RESP2 a flat array of 2n elements. */
    public RespWriter mapHeader(int n, int protocolVersion) {
        if (resp3(protocolVersion)) {
            return prefixed('%', n);
        }
        return prefixed('*', 2L * n);
    }

    /** RESP3 set {@code ~n}; RESP2 an array. */
    public RespWriter setHeader(int n, int protocolVersion) {
        return prefixed(resp3(protocolVersion) ? '~' : '*', n);
    }

    /** Appends pre-encoded protocol bytes verbatim (shared constant replies). */
    public RespWriter raw(byte[] bytes, int off, int len) {
        Objects.checkFromIndexSize(off, len, bytes.length);
        ensure(len);
        System.arraycopy(bytes, off, buf, size, len);
        size += len;
        return this;
    }

    // ----- number helpers, reusable by other encoders --------------------------------------

    /** Number of ASCII characters of {@code v} in decimal, sign included. */
    public static int asciiLength(long v) {
        int n = 1;
        if (v < 0) {
            n = 2; // '-' and at least one digit
        } else {
            v = -v; // work on the non-positive side so Long.MIN_VALUE needs no special case
        }
        while (v <= -10) {
            v /= 10;
            n++;
        }
        return n;
    }

    /**
     * Writes {@code v} in decimal ASCII at {@code dst[off]} without allocating.
     *
     * @return the index just past the last written byte
     */
    public static int writeLongAscii(long v, byte[] dst, int off) {
        int len = asciiLength(v);
        Objects.checkFromIndexSize(off, len, dst.length);
        int end = off + len;
        int p = end;
        long n = v < 0 ? v : -v; // non-positive, so Long.MIN_VALUE is representable
        do {
            dst[--p] = (byte) ('0' - (n % 10));
            n /= 10;
        } while (n != 0);
        if (v < 0) {
            dst[--p] = '-';
        }
        return end;
    }

    /**
     * C's {@code printf("%.17g")} for finite values (what Redis 7.0 sends for doubles), "inf"
     * and "-inf" for infinities (Redis special-cases them), "nan"/"-nan" as glibc prints NaN.
     */
    static String formatDouble(double d) {
        if (Double.isInfinite(d)) {
            return d > 0 ? "inf" : "-inf";
        }
        boolean negative = (Double.doubleToRawLongBits(d) & Long.MIN_VALUE) != 0;
        if (Double.isNaN(d)) {
            return negative ? "-nan" : "nan";
        }
        StringBuilder sb = new StringBuilder(32);
        if (negative) {
            sb.append('-');
        }
        if (d == 0) {
            return sb.append('0').toString();
        }
        // Exact binary value rounded to 17 significant digits, half-even like glibc.
        BigDecimal rounded = new BigDecimal(Math.abs(d)).round(SEVENTEEN_DIGITS);
        String digits = rounded.unscaledValue().toString();
        int exponent = digits.length() - 1 - rounded.scale();
        // %g drops trailing zeros (no '#' flag).
        int significant = digits.length();
        while (significant > 1 && digits.charAt(significant - 1) == '0') {
            significant--;
        }
        digits = digits.substring(0, significant);
        if (exponent < -4 || exponent >= 17) {
            sb.append(digits.charAt(0));
            if (digits.length() > 1) {
                sb.append('.').append(digits, 1, digits.length());
            }
            sb.append('e').append(exponent < 0 ? '-' : '+');
            int abs = Math.abs(exponent);
            if (abs < 10) {
                sb.append('0');
            }
            sb.append(abs);
        } else if (exponent < 0) {
            sb.append("0.");
            for (int i = -1; i > exponent; i--) {
                sb.append('0');
            }
            sb.append(digits);
        } else {
            int intDigits = exponent + 1;
            if (digits.length() <= intDigits) {
                sb.append(digits);
                for (int i = digits.length(); i < intDigits; i++) {
                    sb.append('0');
                }
            } else {
                sb.append(digits, 0, intDigits).append('.').append(digits, intDigits, digits.length());
            }
        }
        return sb.toString();
    }

    // ----- internals ----------------------------------------------------------------------

    private static boolean resp3(int protocolVersion) {
        if (protocolVersion == 3) {
            return true;
        }
        if (protocolVersion == 2) {
            return false;
        }
        throw new IllegalArgumentException("protocol version must be 2 or 3: " + protocolVersion);
    }

    private RespWriter nullOr(char resp2Type, int protocolVersion) {
        if (resp3(protocolVersion)) {
            ensure(3);
            buf[size++] = '_';
            return crlf();
        }
        ensure(5);
        buf[size++] = (byte) resp2Type;
        buf[size++] = '-';
        buf[size++] = '1';
        return crlf();
    }

    /** {@code type v \r\n}. */
    private RespWriter prefixed(char type, long v) {
        header(type, v, 0);
        return this;
    }

    /** Writes {@code type v \r\n} and reserves {@code extra} more bytes for what follows. */
    private void header(char type, long v, long extra) {
        ensure(1 + MAX_LONG_CHARS + 2 + extra);
        buf[size++] = (byte) type;
        size = writeLongAscii(v, buf, size);
        buf[size++] = '\r';
        buf[size++] = '\n';
    }

    private RespWriter line(char type, String text) {
        int len = utf8Length(text);
        ensure(len + 3L);
        buf[size++] = (byte) type;
        int start = size;
        putUtf8(text);
        for (int i = start; i < size; i++) {
            if (buf[i] == '\r' || buf[i] == '\n') {
                buf[i] = ' ';
            }
        }
        return crlf();
    }

    private RespWriter crlf() {
        ensure(2);
        buf[size++] = CRLF[0];
        buf[size++] = CRLF[1];
        return this;
    }

    private void ensure(long more) {
        long need = size + more;
        if (need <= buf.length) {
            return;
        }
        if (need > MAX_ARRAY) {
            throw new IllegalStateException("reply larger than " + MAX_ARRAY + " bytes");
        }
        long grown = Math.max(need, Math.min(MAX_ARRAY, 2L * buf.length));
        buf = Arrays.copyOf(buf, (int) grown);
    }

    /** UTF-8 length of {@code s}, counting an unpaired surrogate as one byte ('?'). */
    static int utf8Length(String s) {
        int n = 0;
        int len = s.length();
        for (int i = 0; i < len; i++) {
            char c = s.charAt(i);
            if (c < 0x80) {
                n += 1;
            } else if (c < 0x800) {
                n += 2;
            } else if (Character.isHighSurrogate(c) && i + 1 < len && Character.isLowSurrogate(s.charAt(i + 1))) {
                n += 4;
                i++;
            } else if (Character.isSurrogate(c)) {
                n += 1;
            } else {
                n += 3;
            }
        }
        return n;
    }

    /** Encodes {@code s} as UTF-8 at {@code size}; the caller reserved utf8Length(s) bytes. */
    private void putUtf8(String s) {
        byte[] b = buf;
        int p = size;
        int len = s.length();
        for (int i = 0; i < len; i++) {
            char c = s.charAt(i);
            if (c < 0x80) {
                b[p++] = (byte) c;
            } else if (c < 0x800) {
                b[p++] = (byte) (0xC0 | (c >> 6));
                b[p++] = (byte) (0x80 | (c & 0x3F));
            } else if (Character.isHighSurrogate(c) && i + 1 < len && Character.isLowSurrogate(s.charAt(i + 1))) {
                int cp = Character.toCodePoint(c, s.charAt(++i));
                b[p++] = (byte) (0xF0 | (cp >> 18));
                b[p++] = (byte) (0x80 | ((cp >> 12) & 0x3F));
                b[p++] = (byte) (0x80 | ((cp >> 6) & 0x3F));
                b[p++] = (byte) (0x80 | (cp & 0x3F));
            } else if (Character.isSurrogate(c)) {
                b[p++] = '?';
            } else {
                b[p++] = (byte) (0xE0 | (c >> 12));
                b[p++] = (byte) (0x80 | ((c >> 6) & 0x3F));
                b[p++] = (byte) (0x80 | (c & 0x3F));
            }
        }
        size = p;
    }
}
