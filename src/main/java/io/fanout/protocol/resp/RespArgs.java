package io.fanout.protocol.resp;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Objects;

/**
 * The arguments of one decoded request, as byte ranges (a Redis "argv" without copies).
 *
 * <p>Role: {@link RespDecoder} fills one of these per decoded command; the command layer reads
 * it. Each argument is a range of bytes in exactly one source for the whole command:
 * <ul>
 *   <li>multibulk requests ({@code *N\r\n$len\r\n...}): the caller's input {@link ByteBuffer},
 *       addressed by absolute index (zero copy);</li>
 *   <li>inline requests ({@code PING\r\n}): the decoder's own scratch array, because quotes and
 *       escapes change the bytes.</li>
 * </ul>
 *
 * <p>Validity: the ranges are valid only until the input buffer is next modified (compacted,
 * cleared, read into) or the decoder decodes its next command. Copy what must outlive that
 * ({@link #copy(int)}, {@link #copyTo(int, ByteBuffer)}).
 *
 * <p>Threading: owned by one connection's event-loop thread; not thread-safe.
 *
 * <p>Invariants: {@code 0 <= count <= starts.length}; every range {@code [start, start+len)}
 * lies inside the current source. Storage arrays only grow, so a long-lived instance decodes
 * without allocating in the steady state.
 */
public final class RespArgs {

    /** Redis's LONG_STR_SIZE: string2ll refuses inputs of 21 or more bytes. */
    static final int LONG_STR_SIZE = 21;

    private int count;
    private int[] starts = new int[8];
    private int[] lengths = new int[8];
    /** Non-null when the current command's bytes live in the caller's buffer. */
    private ByteBuffer buffer;
    /** Non-null when the current command's bytes live in the decoder's scratch array. */
    private byte[] scratch;
    private boolean windowOpen;
    private int savedPosition;
    private int savedLimit;

    /** Gives back storage grown by an unusually large command; the current arguments are gone after it. */
    public void trim() {
        if (starts.length > 1024) {
            starts = new int[8];
            lengths = new int[8];
            count = 0;
        }
    }

    /** Number of arguments of the current command (0 after {@link #clear()}). */
    public int count() {
        return count;
    }

    /** Byte length of argument {@code i}. */
    public int length(int i) {
        return lengths[Objects.checkIndex(i, count)];
    }

    /** Byte {@code j} of argument {@code i}. */
    public byte byteAt(int i, int j) {
        int start = starts[Objects.checkIndex(i, count)];
        Objects.checkIndex(j, lengths[i]);
        return buffer != null ? buffer.get(start + j) : scratch[start + j];
    }

    /** A new array holding argument {@code i}'s bytes. */
    public byte[] copy(int i) {
        byte[] out = new byte[length(i)];
        copyTo(i, out, 0);
        return out;
    }

    /** Argument {@code i} decoded as UTF-8 (malformed input replaced); for messages and logs. */
    public String string(int i) {
        int len = length(i);
        int start = starts[i];
        if (buffer == null) {
            return new String(scratch, start, len, StandardCharsets.UTF_8);
        }
        if (buffer.hasArray()) {
            return new String(buffer.array(), buffer.arrayOffset() + start, len, StandardCharsets.UTF_8);
        }
        return new String(copy(i), StandardCharsets.UTF_8);
    }

    /**
     * Argument {@code i} with ASCII A-Z lowered, one char per byte (bytes >= 0x80 map to
     * U+0080..U+00FF). Redis looks commands up case-insensitively with ASCII rules only.
     */
    public String asciiLower(int i) {
        int len = length(i);
        char[] chars = new char[len];
        for (int j = 0; j < len; j++) {
            int b = rawByte(i, j) & 0xFF;
            chars[j] = (char) (b >= 'A' && b <= 'Z' ? b + ('a' - 'A') : b);
        }
        return new String(chars);
    }

    /**
     * True when argument {@code i} equals {@code ascii} ignoring ASCII case (like Redis's
     * strcasecmp in the C locale). Characters of {@code ascii} above 0x7F never match.
     * Allocation-free.
     */
    public boolean equalsIgnoreCase(int i, String ascii) {
        int len = length(i);
        if (ascii.length() != len) {
            return false;
        }
        for (int j = 0; j < len; j++) {
            int b = rawByte(i, j) & 0xFF;
            int c = ascii.charAt(j);
            if (c > 0x7F) {
                return false;
            }
            if (b != c && lowerAscii(b) != lowerAscii(c)) {
                return false;
            }
        }
        return true;
    }

    /** True when argument {@code i} is byte-for-byte equal to {@code bytes}. Allocation-free. */
    public boolean contentEquals(int i, byte[] bytes) {
        int len = length(i);
        if (bytes.length != len) {
            return false;
        }
        for (int j = 0; j < len; j++) {
            if (rawByte(i, j) != bytes[j]) {
                return false;
            }
        }
        return true;
    }

    /**
     * Puts argument {@code i}'s bytes into {@code dst} at its position, advancing it.
     * Allocation-free.
     *
     * @throws java.nio.BufferOverflowException if {@code dst} has too little room
     */
    public void copyTo(int i, ByteBuffer dst) {
        int len = length(i);
        int start = starts[i];
        if (dst.remaining() < len) {
            throw new java.nio.BufferOverflowException();
        }
        if (buffer == null) {
            dst.put(scratch, start, len);
        } else {
            int at = dst.position();
            dst.put(at, buffer, start, len); // absolute bulk put: touches neither buffer's position
            dst.position(at + len);
        }
    }

    /**
     * Argument {@code i} as a read window without copying: for multibulk requests the input
     * buffer itself, its position and limit moved onto the argument until
     * {@link #closeWindow()} puts them back (one window at a time); for inline requests a wrap
     * of the scratch bytes. Used to publish a payload straight from the input buffer.
     */
    public ByteBuffer openWindow(int i) {
        int len = length(i);
        int start = starts[i];
        if (buffer == null) {
            return ByteBuffer.wrap(scratch, start, len);
        }
        savedPosition = buffer.position();
        savedLimit = buffer.limit();
        windowOpen = true;
        buffer.limit(start + len).position(start);
        return buffer;
    }

    /** Restores the input buffer after {@link #openWindow(int)}; harmless when none is open. */
    public void closeWindow() {
        if (windowOpen) {
            buffer.limit(savedLimit).position(savedPosition);
            windowOpen = false;
        }
    }

    /** Copies argument {@code i}'s bytes into {@code dst} at {@code off}. Allocation-free. */
    public void copyTo(int i, byte[] dst, int off) {
        int len = length(i);
        Objects.checkFromIndexSize(off, len, dst.length);
        int start = starts[i];
        if (buffer == null) {
            System.arraycopy(scratch, start, dst, off, len);
        } else {
            buffer.get(start, dst, off, len); // absolute bulk get (JDK 13+)
        }
    }

    /**
     * Parses argument {@code i} exactly as Redis's {@code string2ll} does: optional '-', then a
     * digit 1-9 followed by digits, or the single string "0"; no spaces, no '+', no leading
     * zeros, no "-0", fewer than 21 bytes, within the signed 64-bit range. Allocation-free
     * on success.
     *
     * @throws NumberFormatException for anything string2ll rejects
     */
    public long parseLong(int i) {
        int len = length(i);
        int start = starts[i];
        if (buffer != null) {
            return string2ll(buffer, null, start, len);
        }
        return string2ll(null, scratch, start, len);
    }

    // ----- decoder side -------------------------------------------------------------------

    /** Forgets all arguments and the source. */
    void clear() {
        count = 0;
        buffer = null;
        scratch = null;
    }

    /** Starts a command whose arguments live in {@code in} (absolute indices). */
    void resetForBuffer(ByteBuffer in) {
        count = 0;
        buffer = in;
        scratch = null;
    }

    /** Starts a command whose arguments live in {@code array}. */
    void resetForScratch(byte[] array) {
        count = 0;
        buffer = null;
        scratch = array;
    }

    /** Appends an argument: {@code len} bytes at {@code start} in the current source. */
    void add(int start, int len) {
        if (count == starts.length) {
            int n = count * 2;
            starts = Arrays.copyOf(starts, n);
            lengths = Arrays.copyOf(lengths, n);
        }
        starts[count] = start;
        lengths[count] = len;
        count++;
    }

    /** Grows storage so {@code n} arguments fit without further allocation. */
    void ensureCapacity(int n) {
        if (n > starts.length) {
            starts = Arrays.copyOf(starts, n);
            lengths = Arrays.copyOf(lengths, n);
        }
    }

    private byte rawByte(int i, int j) {
        int at = starts[i] + j;
        return buffer != null ? buffer.get(at) : scratch[at];
    }

    private static int lowerAscii(int c) {
        return c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c;
    }

    /**
     * Redis util.c string2ll over one of two sources (exactly one of {@code buf} / {@code arr}
     * is non-null). Rules taken from Redis 7: empty or >= 21 bytes fails; "0" alone is zero;
     * otherwise optional '-', a digit 1-9, then digits only; overflow of the 64-bit signed
     * range fails.
     */
    static long string2ll(ByteBuffer buf, byte[] arr, int off, int len) {
        if (len == 0 || len >= LONG_STR_SIZE) {
            throw new NumberFormatException("not an integer (empty or too long)");
        }
        int p = off;
        int end = off + len;
        int first = buf != null ? buf.get(p) : arr[p];
        if (len == 1 && first == '0') {
            return 0;
        }
        boolean negative = false;
        if (first == '-') {
            negative = true;
            p++;
            if (p == end) {
                throw new NumberFormatException("not an integer (lone '-')");
            }
            first = buf != null ? buf.get(p) : arr[p];
        }
        if (first < '1' || first > '9') {
            throw new NumberFormatException("not an integer");
        }
        // Accumulate as a negative number so Long.MIN_VALUE needs no special case.
        long v = -(first - '0');
        p++;
        while (p < end) {
            int c = buf != null ? buf.get(p) : arr[p];
            if (c < '0' || c > '9') {
                throw new NumberFormatException("not an integer");
            }
            int d = c - '0';
            if (v < Long.MIN_VALUE / 10 || (v == Long.MIN_VALUE / 10 && d > 8)) {
                throw new NumberFormatException("integer out of range");
            }
            v = v * 10 - d;
            p++;
        }
        if (negative) {
            return v;
        }
        if (v == Long.MIN_VALUE) {
            throw new NumberFormatException("integer out of range");
        }
        return -v;
    }
}
