package io.fanout.protocol.http;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Finds and parses one HTTP/1.1 request head (request line and headers, RFC 9112) in a
 * byte stream, with limits: the request line at most {@code maxRequestLineBytes} (else
 * 414), the whole head at most {@code maxHeadBytes} (else 431), at most {@code maxHeaders}
 * header fields (else 431). Anything malformed is 400: a bad method token, a target that is
 * not origin-form, obsolete line folding, a header name with forbidden characters, a NUL.
 * Versions other than HTTP/1.0 and 1.1 get 505. Lines may end in CRLF or a bare LF
 * (RFC 9112 §2.2 allows a recipient to accept that).
 *
 * <p>Pure codec: no sockets. Like the line decoder it remembers how far it scanned an
 * incomplete head, so a head arriving byte by byte is scanned once. The body is not its
 * business: the session reads Content-Length bytes after {@link #consumedBytes()}.
 *
 * <p>Not thread-safe: one per connection, loop thread only.
 */
public final class HttpRequestDecoder {
    private final int maxRequestLineBytes;
    private final int maxHeadBytes;
    private final int maxHeaders;
    private int scannedBytes;
    /** Offset of the first line's '\n' from the head's start, or -1 while not seen. */
    private int firstLineEnd = -1;
    private int consumedBytes;
    private int errorStatus;
    private String errorMessage;

    public HttpRequestDecoder(int maxRequestLineBytes, int maxHeadBytes, int maxHeaders) {
        this.maxRequestLineBytes = maxRequestLineBytes;
        this.maxHeadBytes = maxHeadBytes;
        this.maxHeaders = maxHeaders;
    }

    /** Bytes the last complete head took, its blank line included. */
    public int consumedBytes() {
        return consumedBytes;
    }

    /** The status to answer after {@link #next} returned null with {@link #failed()} true. */
    public int errorStatus() {
        return errorStatus;
    }

    public String errorMessage() {
        return errorMessage;
    }

    public boolean failed() {
        return errorStatus != 0;
    }

    /** True while bytes of an unfinished head have been seen (for the header timeout). */
    public boolean inProgress() {
        return scannedBytes > 0;
    }

    /**
     * The next request head in [position, limit) of {@code in}, or null when it is not
     * complete yet or is refused ({@link #failed()}). Does not move the buffer's position:
     * the caller advances it by {@link #consumedBytes()}.
     */
    public HttpRequest next(ByteBuffer in) {
        int start = in.position();
        int limit = in.limit();
        // Resume two bytes back: a blank line may straddle the end of the last scan.
        int from = start + Math.max(0, scannedBytes - 2);
        int end = -1;
        for (int i = from; i < limit; i++) {
            if (in.get(i) != '\n') {
                continue;
            }
            if (firstLineEnd < 0) {
                firstLineEnd = i - start;
            }
            // A blank line ends the head: "\n\n" or "\n\r\n".
            if (i + 1 < limit && in.get(i + 1) == '\n') {
                end = i + 2;
                break;
            }
            if (i + 2 < limit && in.get(i + 1) == '\r' && in.get(i + 2) == '\n') {
                end = i + 3;
                break;
            }
        }
        int lineLength = firstLineEnd < 0 ? (end < 0 ? limit : end) - start : firstLineEnd;
        if (lineLength > maxRequestLineBytes + 1) {
            return fail(414, "request line longer than " + maxRequestLineBytes + " bytes");
        }
        if (end < 0) {
            if (limit - start > maxHeadBytes) {
                return fail(431, "request head larger than " + maxHeadBytes + " bytes");
            }
            scannedBytes = limit - start;
            return null;
        }
        scannedBytes = 0;
        firstLineEnd = -1;
        if (end - start > maxHeadBytes) {
            return fail(431, "request head larger than " + maxHeadBytes + " bytes");
        }
        consumedBytes = end - start;
        byte[] head = new byte[end - start];
        in.get(start, head);
        return parse(head);
    }

    private HttpRequest parse(byte[] head) {
        String text = new String(head, StandardCharsets.ISO_8859_1);
        List<String> lines = splitLines(text);
        int first = 0;
        while (first < lines.size() && lines.get(first).isEmpty()) {
            first++; // RFC 9112 §2.2: ignore at least one empty line before the request line
        }
        if (first >= lines.size()) {
            return fail(400, "empty request");
        }
        String[] parts = lines.get(first).split(" ", -1);
        if (parts.length != 3) {
            return fail(400, "malformed request line");
        }
        String method = parts[0];
        String target = parts[1];
        String version = parts[2];
        if (!isToken(method)) {
            return fail(400, "malformed method");
        }
        if (!version.startsWith("HTTP/")) {
            return fail(400, "malformed HTTP version");
        }
        if (!version.equals("HTTP/1.1") && !version.equals("HTTP/1.0")) {
            return fail(505, "HTTP version not supported (1.1 and 1.0 are)");
        }
        if (target.isEmpty() || target.charAt(0) != '/' || !isTargetChars(target)) {
            return fail(400, "request target must be a path starting with /");
        }
        List<String[]> headers = new ArrayList<>();
        for (int k = first + 1; k < lines.size(); k++) {
            String line = lines.get(k);
            if (line.isEmpty()) {
                break;
            }
            if (line.charAt(0) == ' ' || line.charAt(0) == '\t') {
                return fail(400, "obsolete header line folding");
            }
            int colon = line.indexOf(':');
            if (colon <= 0 || !isToken(line.substring(0, colon))) {
                return fail(400, "malformed header field");
            }
            String value = line.substring(colon + 1).strip();
            if (value.indexOf('\0') >= 0 || value.indexOf('\r') >= 0) {
                return fail(400, "forbidden character in a header value");
            }
            if (headers.size() == maxHeaders) {
                return fail(431, "more than " + maxHeaders + " header fields");
            }
            headers.add(new String[] {line.substring(0, colon), value});
        }
        return new HttpRequest(method, target, version, headers);
    }

    private static List<String> splitLines(String text) {
        List<String> lines = new ArrayList<>();
        int from = 0;
        for (int i = 0; i < text.length(); i++) {
            if (text.charAt(i) == '\n') {
                int end = i > from && text.charAt(i - 1) == '\r' ? i - 1 : i;
                lines.add(text.substring(from, end));
                from = i + 1;
            }
        }
        return lines;
    }

    /** RFC 9110 §5.6.2 token characters. */
    private static boolean isToken(String s) {
        if (s.isEmpty()) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    || "!#$%&'*+-.^_`|~".indexOf(c) >= 0;
            if (!ok) {
                return false;
            }
        }
        return true;
    }

    /** Visible ASCII only: no controls, spaces or bytes above 0x7E in a target. */
    private static boolean isTargetChars(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c <= 0x20 || c >= 0x7F) {
                return false;
            }
        }
        return true;
    }

    private HttpRequest fail(int status, String message) {
        scannedBytes = 0;
        firstLineEnd = -1;
        errorStatus = status;
        errorMessage = message;
        return null;
    }
}
