package io.fanout.protocol.resp;

import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * Incremental decoder of client requests, byte-compatible with Redis 7's request parser
 * (networking.c processMultibulkBuffer / processInlineBuffer, sds.c sdssplitargs).
 *
 * <p>Role: one per connection. The connection reads socket bytes into a ByteBuffer and calls
 * {@link #tryDecode(ByteBuffer, RespArgs)} until it returns false. Multibulk arguments are
 * handed out as zero-copy ranges of that buffer; inline arguments are unescaped into this
 * decoder's scratch array.
 *
 * <p>Caller contract:
 * <ul>
 *   <li>{@code in} is in read mode: {@code position..limit} are the unread bytes.</li>
 *   <li>On false the caller keeps every unread byte, in order (it may move them, e.g. with
 *       {@code compact()}/{@code flip()}), appends newly read bytes after them and calls again.
 *       The decoder remembers how far it got relative to {@code in.position()}, so arbitrary
 *       splits cost no re-scan.</li>
 *   <li>When false is returned with the buffer full, grow it; it never needs to exceed
 *       {@link #maxBufferNeeded()}: once that many unread bytes do not hold a command, the
 *       decoder throws instead of returning false.</li>
 *   <li>After a {@link RespProtocolException} the connection is finished: reply (if
 *       {@link RespProtocolException#replyBeforeClose()}) and close, as Redis does.</li>
 * </ul>
 *
 * <p>Redis compatibility rules implemented here (checked against redis-server 7.0.15):
 * <ul>
 *   <li>A request whose first byte is '*' is multibulk, anything else is an inline line.</li>
 *   <li>Header lines end at the first '\r'; the byte after it is skipped unchecked, and so are
 *       the two bytes after each bulk body (Redis never verifies they are CRLF). A line is
 *       complete only once the byte after '\r' has arrived.</li>
 *   <li>Redis finds terminators with strchr, which stops at a NUL byte: a NUL before the
 *       terminator means the line never completes, so the client waits until the "too big"
 *       error fires.</li>
 *   <li>"too big ... string" errors fire when more than maxInlineBytes (Redis: 64 KiB) unread
 *       bytes, counted from the current line's start, hold no terminator.</li>
 *   <li>Counts and lengths are parsed with string2ll rules (see {@link RespArgs#parseLong});
 *       multibulk counts up to {@code Integer.MAX_VALUE} are accepted (Redis 7 no longer caps
 *       them at 1024*1024); counts &lt;= 0 and inline lines with no tokens are consumed
 *       silently and produce no command.</li>
 *   <li>Unauthenticated clients are limited to 10 arguments and 16384-byte bulks.</li>
 * </ul>
 *
 * <p>Threading: confined to the owning connection's event-loop thread; not thread-safe.
 *
 * <p>Invariants: while a command is pending ({@code state != IDLE}) every stored offset is
 * relative to {@code in.position()}, which the decoder does not move until the command is
 * complete; {@code parsed <= limit - position}.
 */
public final class RespDecoder {

    /** Redis's PROTO_INLINE_MAX_SIZE, the usual value for {@code maxInlineBytes}. */
    public static final int REDIS_INLINE_MAX = 64 * 1024;
    /** Argument-count limit before authentication (Redis 7 networking.c). */
    public static final int UNAUTH_MAX_ARGS = 10;
    /** Bulk-length limit before authentication (Redis 7 networking.c). */
    public static final int UNAUTH_MAX_BULK = 16384;

    private static final int MAX_ARRAY = Integer.MAX_VALUE - 8;

    // Parse states.
    private static final int IDLE = 0;
    private static final int MB_COUNT = 1;
    private static final int MB_ARGS = 2;
    private static final int INLINE = 3;

    // Step results.
    private static final int NEED_MORE = 0;
    private static final int COMMAND = 1;
    private static final int AGAIN = 2;

    private final int maxBulkBytes;
    private final int maxInlineBytes;
    private final int maxCommandBytes;
    private boolean authenticated = true;

    private int state = IDLE;
    /** Bulks still expected by the pending multibulk command. */
    private long remaining;
    /** Body length of the bulk whose header has been parsed, or -1. */
    private int bulkLen = -1;
    /** Offset, relative to in.position(), of the first byte not yet parsed. */
    private int parsed;
    /** Bytes of the current line (from its start) already known to hold no terminator/NUL. */
    private int lineScanned;
    /** A NUL came before any terminator in the current line: strchr would never find one. */
    private boolean lineHasNul;

    /** Pending argument ranges: relative to in.position() (multibulk) or in scratch (inline). */
    private int[] pendStart = new int[8];
    private int[] pendLen = new int[8];
    private int pendCount;

    /** Unescaped inline arguments; only grows. */
    private byte[] scratch = new byte[256];
    /** Write position in {@link #scratch} while an inline command is being split. */
    private int scratchWrite;

    /**
     * @param maxBulkBytes   largest accepted bulk (Redis proto-max-bulk-len; the server passes
     *                       its --max-message); larger ones are "invalid bulk length"
     * @param maxInlineBytes Redis's PROTO_INLINE_MAX_SIZE ({@link #REDIS_INLINE_MAX})
     */
    public RespDecoder(int maxBulkBytes, int maxInlineBytes) {
        this(maxBulkBytes, maxInlineBytes, defaultMaxCommandBytes(maxBulkBytes, maxInlineBytes));
    }

    /**
     * @param maxCommandBytes largest whole request (all headers and bulks of one command), which
     *                        the caller's buffer must be able to hold because arguments are
     *                        zero-copy; Redis has no such limit (only its 1 GiB
     *                        client-query-buffer-limit, on which it closes silently)
     */
    public RespDecoder(int maxBulkBytes, int maxInlineBytes, int maxCommandBytes) {
        if (maxBulkBytes < 0 || maxInlineBytes < 1) {
            throw new IllegalArgumentException("maxBulkBytes >= 0 and maxInlineBytes >= 1 required");
        }
        if (maxCommandBytes <= maxInlineBytes || (long) maxCommandBytes < (long) maxBulkBytes + 32) {
            throw new IllegalArgumentException(
                    "maxCommandBytes must exceed maxInlineBytes and maxBulkBytes + 32: " + maxCommandBytes);
        }
        this.maxBulkBytes = maxBulkBytes;
        this.maxInlineBytes = maxInlineBytes;
        this.maxCommandBytes = maxCommandBytes;
    }

    /**
     * The largest request the server accepts on its RESP port with {@code --max-message}: two
     * maximal bulks (PUBLISH channel message) and room for headers and further small
     * arguments. The one formula for the engine's input buffer, the decoder's limit and the
     * {@code --max-input-total} check, which must agree or a request the decoder accepts might
     * not fit the buffer.
     */
    public static int maxRequestBytes(long maxMessageBytes) {
        return (int) Math.min(MAX_ARRAY, 2L * maxMessageBytes + 3L * REDIS_INLINE_MAX);
    }

    /** Room for a request with two maximal bulks (e.g. PUBLISH channel message) and headers. */
    static int defaultMaxCommandBytes(int maxBulkBytes, int maxInlineBytes) {
        long n = 2L * maxBulkBytes + 2L * maxInlineBytes;
        return (int) Math.min(MAX_ARRAY, Math.max(n, (long) maxBulkBytes + 64));
    }

    /**
     * Capacity the caller's input buffer may need: a complete command always fits in this many
     * bytes, and with this many unread bytes the decoder either returns a command or throws.
     */
    public int maxBufferNeeded() {
        return maxCommandBytes;
    }

    public int maxBulkBytes() {
        return maxBulkBytes;
    }

    public int maxInlineBytes() {
        return maxInlineBytes;
    }

    /**
     * When false, the Redis pre-AUTH limits apply: more than 10 arguments is "unauthenticated
     * multibulk length", a bulk over 16384 bytes is "unauthenticated bulk length".
     * Default: true.
     */
    public void setAuthenticated(boolean authenticated) {
        this.authenticated = authenticated;
    }

    public boolean isAuthenticated() {
        return authenticated;
    }

    /**
     * Gives back argument arrays grown by one unusually large command (a SUBSCRIBE of 80,000
     * channels leaves ~1 MB of offsets otherwise, per connection, for as long as it lives).
     * Call between commands only.
     */
    public void trimScratch() {
        if (state == IDLE && pendStart.length > 1024) {
            pendStart = new int[8];
            pendLen = new int[8];
            pendCount = 0;
        }
        if (state == IDLE && scratch.length > 4096) {
            scratch = new byte[256];
        }
    }

    /** Forgets any partially parsed command (e.g. when the connection object is recycled). */
    public void reset() {
        state = IDLE;
        pendCount = 0;
        bulkLen = -1;
        remaining = 0;
        parsed = 0;
        beginLine();
    }

    /**
     * Decodes the next command from {@code in}.
     *
     * @return true when {@code out} holds a command and {@code in.position()} has moved past
     *     it; false when more bytes are needed. On false the position is unchanged, except that
     *     requests Redis consumes without running anything ({@code *0}, {@code *-1}, blank or
     *     whitespace-only inline lines) are skipped over.
     * @throws RespProtocolException on malformed input, with Redis's exact error text
     */
    public boolean tryDecode(ByteBuffer in, RespArgs out) {
        if (state != IDLE && in.remaining() < parsed) {
            throw new IllegalStateException("unread bytes of a pending command were dropped");
        }
        while (true) {
            int pos = in.position();
            int lim = in.limit();
            int r;
            switch (state) {
                case IDLE:
                    if (pos == lim) {
                        return false;
                    }
                    parsed = 0;
                    pendCount = 0;
                    beginLine();
                    state = in.get(pos) == '*' ? MB_COUNT : INLINE;
                    continue;
                case MB_COUNT:
                    r = multibulkCount(in, pos, lim);
                    break;
                case MB_ARGS:
                    r = multibulkArgs(in, out, pos, lim);
                    break;
                default:
                    r = inline(in, out, pos, lim);
                    break;
            }
            if (r == COMMAND) {
                return true;
            }
            if (r == NEED_MORE) {
                if (lim - pos >= maxCommandBytes) {
                    throw commandTooLarge();
                }
                return false;
            }
        }
    }

    // ----- multibulk ----------------------------------------------------------------------

    private int multibulkCount(ByteBuffer in, int pos, int lim) {
        int cr = findTerminator(in, pos, lim, (byte) '\r');
        if (cr < 0) {
            if (lim - pos > maxInlineBytes) {
                throw new RespProtocolException("Protocol error: too big mbulk count string");
            }
            return NEED_MORE;
        }
        // Redis waits for the byte after '\r' before looking at the line. A line longer than
        // the inline limit can only fail, so decide now rather than wait on a full buffer.
        boolean crLast = cr == lim - 1;
        if (crLast && cr - pos <= maxInlineBytes) {
            return NEED_MORE;
        }
        long ll;
        try {
            ll = RespArgs.string2ll(in, null, pos + 1, cr - pos - 1);
        } catch (NumberFormatException e) {
            throw new RespProtocolException("Protocol error: invalid multibulk length");
        }
        if (ll > Integer.MAX_VALUE) {
            throw new RespProtocolException("Protocol error: invalid multibulk length");
        }
        if (ll > UNAUTH_MAX_ARGS && !authenticated) {
            throw new RespProtocolException("Protocol error: unauthenticated multibulk length");
        }
        if (crLast) {
            return NEED_MORE; // only with a tiny maxInlineBytes: valid, but incomplete
        }
        int next = cr + 2; // the byte after '\r' is skipped without checking it is '\n'
        if (ll <= 0) {
            in.position(next); // "*0" / "*-1": consumed, no command
            state = IDLE;
            return AGAIN;
        }
        remaining = ll;
        bulkLen = -1;
        parsed = next - pos;
        beginLine();
        state = MB_ARGS;
        return AGAIN;
    }

    private int multibulkArgs(ByteBuffer in, RespArgs out, int pos, int lim) {
        while (remaining > 0) {
            int at = pos + parsed;
            if (bulkLen < 0) {
                int cr = findTerminator(in, at, lim, (byte) '\r');
                if (cr < 0) {
                    if (lim - at > maxInlineBytes) {
                        throw new RespProtocolException("Protocol error: too big bulk count string");
                    }
                    return NEED_MORE;
                }
                boolean crLast = cr == lim - 1;
                if (crLast && cr - at <= maxInlineBytes) {
                    return NEED_MORE;
                }
                byte first = in.get(at);
                if (first != '$') {
                    throw expectedDollar(first);
                }
                long ll;
                try {
                    ll = RespArgs.string2ll(in, null, at + 1, cr - at - 1);
                } catch (NumberFormatException e) {
                    throw new RespProtocolException("Protocol error: invalid bulk length");
                }
                // Redis reports a bulk over proto-max-bulk-len as an invalid length, at header
                // time, before reading (or reserving room for) the body.
                if (ll < 0 || ll > maxBulkBytes) {
                    throw new RespProtocolException("Protocol error: invalid bulk length");
                }
                if (ll > UNAUTH_MAX_BULK && !authenticated) {
                    throw new RespProtocolException("Protocol error: unauthenticated bulk length");
                }
                if (crLast) {
                    return NEED_MORE;
                }
                int bodyRel = cr + 2 - pos;
                if ((long) bodyRel + ll + 2 > maxCommandBytes) {
                    throw commandTooLarge();
                }
                bulkLen = (int) ll;
                parsed = bodyRel;
                beginLine();
            }
            // Body plus the two trailing bytes, which Redis skips without checking.
            if ((long) lim - (pos + parsed) < (long) bulkLen + 2) {
                return NEED_MORE;
            }
            addPending(parsed, bulkLen);
            parsed += bulkLen + 2;
            bulkLen = -1;
            remaining--;
        }
        out.resetForBuffer(in);
        out.ensureCapacity(pendCount);
        for (int k = 0; k < pendCount; k++) {
            out.add(pos + pendStart[k], pendLen[k]);
        }
        in.position(pos + parsed);
        state = IDLE;
        return COMMAND;
    }

    private static RespProtocolException expectedDollar(byte got) {
        // Redis's addReplyErrorFormat turns '\r' and '\n' into spaces; other bytes go out raw.
        char c = (got == '\r' || got == '\n') ? ' ' : (char) (got & 0xFF);
        return new RespProtocolException("Protocol error: expected '$', got '" + c + "'");
    }

    private RespProtocolException commandTooLarge() {
        return new RespProtocolException(
                "Protocol error: request larger than " + maxCommandBytes + " bytes", false);
    }

    // ----- inline -------------------------------------------------------------------------

    private int inline(ByteBuffer in, RespArgs out, int pos, int lim) {
        int lf = findTerminator(in, pos, lim, (byte) '\n');
        if (lf < 0) {
            if (lim - pos > maxInlineBytes) {
                throw new RespProtocolException("Protocol error: too big inline request");
            }
            return NEED_MORE;
        }
        int end = lf;
        if (end > pos && in.get(end - 1) == '\r') {
            end--; // one '\r' before '\n' belongs to the terminator
        }
        splitArgs(in, pos, end);
        in.position(lf + 1);
        state = IDLE;
        if (pendCount == 0) {
            return AGAIN; // blank line: Redis resets the client and runs nothing
        }
        out.resetForScratch(scratch);
        out.ensureCapacity(pendCount);
        for (int k = 0; k < pendCount; k++) {
            out.add(pendStart[k], pendLen[k]);
        }
        return COMMAND;
    }

    /**
     * Tokenises {@code [from, end)} like Redis's sdssplitargs into scratch. Bytes past
     * {@code end} read as NUL, like the C string's terminator (the line itself holds no NUL:
     * {@link #findTerminator} never completes such a line).
     */
    private void splitArgs(ByteBuffer in, int from, int end) {
        int lineLen = end - from;
        if (scratch.length < lineLen) { // unescaping never makes a token longer than its source
            scratch = new byte[Math.max(lineLen, (int) Math.min(MAX_ARRAY, 2L * scratch.length))];
        }
        scratchWrite = 0;
        pendCount = 0;
        int p = from;
        while (true) {
            while (p < end && isCSpace(in.get(p))) {
                p++;
            }
            if (p >= end) {
                return;
            }
            int tokenStart = scratchWrite;
            p = readToken(in, p, end);
            addPending(tokenStart, scratchWrite - tokenStart);
        }
    }

    /** One token into scratch; returns the position after it (and after its separator). */
    private int readToken(ByteBuffer in, int p, int end) {
        while (true) {
            int c = at(in, p, end);
            switch (c) {
                // Only these end an unquoted token; '\v' and '\f' are token bytes here
                // although leading ones are skipped as whitespace (Redis quirk).
                case ' ', '\n', '\r', '\t' -> {
                    return p + 1;
                }
                case 0 -> {
                    return p;
                }
                case '"' -> {
                    return readDoubleQuoted(in, p + 1, end);
                }
                case '\'' -> {
                    return readSingleQuoted(in, p + 1, end);
                }
                default -> {
                    scratch[scratchWrite++] = (byte) c;
                    p++;
                }
            }
        }
    }

    /** The rest of a token after {@code "}: C escapes and {@code \xHH}; ends the token. */
    private int readDoubleQuoted(ByteBuffer in, int p, int end) {
        while (true) {
            int c = at(in, p, end);
            if (c == '\\' && at(in, p + 1, end) == 'x'
                    && isHex(at(in, p + 2, end)) && isHex(at(in, p + 3, end))) {
                scratch[scratchWrite++] = (byte) (hexValue(at(in, p + 2, end)) * 16 + hexValue(at(in, p + 3, end)));
                p += 4;
            } else if (c == '\\' && at(in, p + 1, end) != 0) {
                scratch[scratchWrite++] = unescape(at(in, p + 1, end));
                p += 2;
            } else if (c == '"') {
                return afterClosingQuote(in, p, end);
            } else if (c == 0) {
                throw unbalancedQuotes();
            } else {
                scratch[scratchWrite++] = (byte) c;
                p++;
            }
        }
    }

    /** The rest of a token after {@code '}: only {@code \'} is an escape; ends the token. */
    private int readSingleQuoted(ByteBuffer in, int p, int end) {
        while (true) {
            int c = at(in, p, end);
            if (c == '\\' && at(in, p + 1, end) == '\'') {
                scratch[scratchWrite++] = '\'';
                p += 2;
            } else if (c == '\'') {
                return afterClosingQuote(in, p, end);
            } else if (c == 0) {
                throw unbalancedQuotes();
            } else {
                scratch[scratchWrite++] = (byte) c;
                p++;
            }
        }
    }

    /** A closing quote must be followed by whitespace or the end of the line (Redis). */
    private static int afterClosingQuote(ByteBuffer in, int quoteAt, int end) {
        int next = at(in, quoteAt + 1, end);
        if (next != 0 && !isCSpace(next)) {
            throw unbalancedQuotes();
        }
        return quoteAt + 1;
    }

    private static int at(ByteBuffer in, int p, int end) {
        return p < end ? in.get(p) : 0;
    }

    private static byte unescape(int c) {
        return switch (c) {
            case 'n' -> '\n';
            case 'r' -> '\r';
            case 't' -> '\t';
            case 'b' -> '\b';
            case 'a' -> 7;
            default -> (byte) c;
        };
    }

    /** C isspace() in the "C" locale; bytes >= 0x80 (negative here) are not spaces. */
    private static boolean isCSpace(int c) {
        return c == ' ' || (c >= '\t' && c <= '\r');
    }

    private static boolean isHex(int c) {
        return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
    }

    private static int hexValue(int c) {
        if (c <= '9') {
            return c - '0';
        }
        return (c | 0x20) - 'a' + 10;
    }

    private static RespProtocolException unbalancedQuotes() {
        return new RespProtocolException("Protocol error: unbalanced quotes in request");
    }

    // ----- shared helpers -----------------------------------------------------------------

    private void beginLine() {
        lineScanned = 0;
        lineHasNul = false;
    }

    /**
     * strchr(line, term) over the unread bytes, resuming where the previous call stopped.
     *
     * @return absolute index of the terminator, or -1 if absent or hidden behind a NUL
     */
    private int findTerminator(ByteBuffer in, int lineStart, int lim, byte term) {
        if (lineHasNul) {
            return -1;
        }
        for (int i = lineStart + lineScanned; i < lim; i++) {
            byte b = in.get(i);
            if (b == term) {
                lineScanned = i - lineStart;
                return i;
            }
            if (b == 0) {
                lineHasNul = true;
                return -1;
            }
        }
        lineScanned = lim - lineStart;
        return -1;
    }

    private void addPending(int start, int len) {
        if (pendCount == pendStart.length) {
            int n = pendCount * 2;
            pendStart = Arrays.copyOf(pendStart, n);
            pendLen = Arrays.copyOf(pendLen, n);
        }
        pendStart[pendCount] = start;
        pendLen[pendCount] = len;
        pendCount++;
    }
}
