package io.fanout.protocol.resp.it;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * One parsed RESP2/RESP3 reply, for tests: its type byte, its payload (scalars) or children
 * (aggregates; a map's children are key, value, key, value...), and the exact bytes it came
 * from, so tests can compare both structure and wire form.
 *
 * @param type     the RESP type byte ('+', '-', ':', '$', '*', '%', '~', '>', '_', '#', ',', '(', '=', '!')
 * @param data     scalar payload (null for aggregates and nulls)
 * @param children aggregate elements (null for scalars and null aggregates)
 * @param raw      the reply's bytes exactly as received
 */
public record RespValue(char type, byte[] data, List<RespValue> children, byte[] raw) {

    /** Scalar payload as UTF-8 (null when there is none). */
    public String text() {
        return data == null ? null : new String(data, StandardCharsets.UTF_8);
    }

    public boolean isNull() {
        return type == '_' || (data == null && children == null);
    }

    public boolean isError() {
        return type == '-' || type == '!';
    }

    public boolean isAggregate() {
        return children != null;
    }

    public RespValue get(int i) {
        return children.get(i);
    }

    public int size() {
        return children == null ? 0 : children.size();
    }

    public long asLong() {
        return Long.parseLong(text());
    }

    /** Aggregate elements as UTF-8 strings. */
    public List<String> texts() {
        List<String> out = new ArrayList<>();
        for (RespValue v : children) {
            out.add(v.text());
        }
        return out;
    }

    /** The raw bytes, printable: CR, LF and non-ASCII bytes escaped. */
    public String escaped() {
        return escape(raw);
    }

    public static String escape(byte[] bytes) {
        StringBuilder sb = new StringBuilder();
        for (byte b : bytes) {
            int c = b & 0xFF;
            if (c == '\r') {
                sb.append("\\r");
            } else if (c == '\n') {
                sb.append("\\n");
            } else if (c < 0x20 || c >= 0x7F) {
                sb.append(String.format("\\x%02x", c));
            } else {
                sb.append((char) c);
            }
        }
        return sb.toString();
    }

    @Override
    public String toString() {
        return escaped();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof RespValue v && Arrays.equals(raw, v.raw);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(raw);
    }

    /**
     * Parses one complete reply from {@code buf[from, to)}.
     *
     * @return the reply, or null when the bytes end before it does
     * @throws IllegalStateException when the bytes are not RESP
     */
    public static RespValue parse(byte[] buf, int from, int to) {
        int[] end = new int[1];
        RespValue v = parse(buf, from, to, end);
        return v;
    }

    private static RespValue parse(byte[] buf, int from, int to, int[] endOut) {
        int lineEnd = findCrlf(buf, from, to);
        if (lineEnd < 0) {
            return null;
        }
        char type = (char) buf[from];
        String header = new String(buf, from + 1, lineEnd - from - 1, StandardCharsets.ISO_8859_1);
        int next = lineEnd + 2;
        switch (type) {
            case '+', '-', ':', '_', '#', ',', '(' -> {
                byte[] data = type == '_' ? null : Arrays.copyOfRange(buf, from + 1, lineEnd);
                endOut[0] = next;
                return new RespValue(type, data, null, Arrays.copyOfRange(buf, from, next));
            }
            case '$', '=', '!' -> {
                int len = Integer.parseInt(header);
                if (len < 0) {
                    endOut[0] = next;
                    return new RespValue(type, null, null, Arrays.copyOfRange(buf, from, next));
                }
                if (to - next < len + 2) {
                    return null;
                }
                endOut[0] = next + len + 2;
                return new RespValue(type, Arrays.copyOfRange(buf, next, next + len), null,
                        Arrays.copyOfRange(buf, from, next + len + 2));
            }
            case '*', '~', '>', '%', '|' -> {
                long n = Long.parseLong(header);
                if (n < 0) {
                    endOut[0] = next;
                    return new RespValue(type, null, null, Arrays.copyOfRange(buf, from, next));
                }
                long elements = (type == '%' || type == '|') ? 2 * n : n;
                List<RespValue> children = new ArrayList<>();
                int at = next;
                for (long i = 0; i < elements; i++) {
                    RespValue child = parse(buf, at, to, endOut);
                    if (child == null) {
                        return null;
                    }
                    children.add(child);
                    at = endOut[0];
                }
                endOut[0] = at;
                return new RespValue(type, null, children, Arrays.copyOfRange(buf, from, at));
            }
            default -> throw new IllegalStateException("not RESP at offset " + from + ": "
                    + escape(Arrays.copyOfRange(buf, from, Math.min(to, from + 80))));
        }
    }

    private static int findCrlf(byte[] buf, int from, int to) {
        for (int i = from; i + 1 < to; i++) {
            if (buf[i] == '\r' && buf[i + 1] == '\n') {
                return i;
            }
        }
        return -1;
    }
}
