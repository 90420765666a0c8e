package io.fanout.protocol.http;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * One parsed request head: method, target split into path and query, version and headers
 * (names kept as sent, compared without case). Immutable once built by the decoder.
 */
public final class HttpRequest {
    private final String method;
    private final String target;
    private final String version;
    private final List<String[]> headers;

    HttpRequest(String method, String target, String version, List<String[]> headers) {
        this.method = method;
        this.target = target;
        this.version = version;
        this.headers = headers;
    }

    public String method() {
        return method;
    }

    /** The request target as sent: path and query, still percent-encoded. */
    public String target() {
        return target;
    }

    /** The raw (still percent-encoded) path, without the query. */
    public String rawPath() {
        int q = target.indexOf('?');
        return q < 0 ? target : target.substring(0, q);
    }

    /** The raw query without '?', or "" when there is none. */
    public String rawQuery() {
        int q = target.indexOf('?');
        return q < 0 ? "" : target.substring(q + 1);
    }

    /** {@code HTTP/1.1} or {@code HTTP/1.0}. */
    public String version() {
        return version;
    }

    /** The first value of the header, or null. */
    public String header(String name) {
        for (String[] h : headers) {
            if (h[0].equalsIgnoreCase(name)) {
                return h[1];
            }
        }
        return null;
    }

    /** Every value of the header, in order. */
    public List<String> headers(String name) {
        List<String> out = new ArrayList<>(1);
        for (String[] h : headers) {
            if (h[0].equalsIgnoreCase(name)) {
                out.add(h[1]);
            }
        }
        return out;
    }

    /**
     * Whether the connection stays open after the response: HTTP/1.1 unless
     * {@code Connection: close}; HTTP/1.0 only with {@code Connection: keep-alive}.
     */
    public boolean keepAlive() {
        String c = header("Connection");
        String v = c == null ? "" : c.toLowerCase(Locale.ROOT);
        if (version.equals("HTTP/1.1")) {
            return !v.contains("close");
        }
        return v.contains("keep-alive");
    }

    @Override
    public String toString() {
        return method + " " + target + " " + version;
    }
}
