package io.fanout.protocol.http;

import java.nio.charset.StandardCharsets;

/** Builds whole HTTP/1.1 responses as bytes (head and body); not on the message path. */
final class HttpResponses {
    private HttpResponses() {
    }

    static String reasonPhrase(int status) {
        return switch (status) {
            case 101 -> "Switching Protocols";
            case 200 -> "OK";
            case 304 -> "Not Modified";
            case 400 -> "Bad Request";
            case 401 -> "Unauthorized";
            case 403 -> "Forbidden";
            case 404 -> "Not Found";
            case 405 -> "Method Not Allowed";
            case 408 -> "Request Timeout";
            case 411 -> "Length Required";
            case 413 -> "Content Too Large";
            case 414 -> "URI Too Long";
            case 426 -> "Upgrade Required";
            case 431 -> "Request Header Fields Too Large";
            case 500 -> "Internal Server Error";
            case 503 -> "Service Unavailable";
            case 505 -> "HTTP Version Not Supported";
            default -> "Status";
        };
    }

    /**
     * A complete response. {@code extraHeaders} are whole lines, each ending in CRLF;
     * {@code keepAlive} false adds {@code Connection: close}.
     */
    static byte[] response(int status, String contentType, byte[] body, String extraHeaders, boolean keepAlive,
                           boolean headOnly) {
        StringBuilder h = new StringBuilder(160);
        h.append("HTTP/1.1 ").append(status).append(' ').append(reasonPhrase(status)).append("\r\n");
        h.append("Server: fanout\r\n");
        if (contentType != null) {
            h.append("Content-Type: ").append(contentType).append("\r\n");
        }
        h.append("Content-Length: ").append(body.length).append("\r\n");
        h.append("X-Content-Type-Options: nosniff\r\n");
        if (extraHeaders != null) {
            h.append(extraHeaders);
        }
        if (!keepAlive) {
            h.append("Connection: close\r\n");
        }
        h.append("\r\n");
        byte[] head = h.toString().getBytes(StandardCharsets.ISO_8859_1);
        if (headOnly) {
            return head;
        }
        byte[] out = new byte[head.length + body.length];
        System.arraycopy(head, 0, out, 0, head.length);
        System.arraycopy(body, 0, out, head.length, body.length);
        return out;
    }

    /** A small JSON error body: {@code {"error":"..."}}. */
    static byte[] error(int status, String message, String extraHeaders, boolean keepAlive) {
        byte[] body = ("{\"error\":" + io.fanout.protocol.ws.JsonEnvelope.quote(message) + "}\n")
                .getBytes(StandardCharsets.UTF_8);
        return response(status, "application/json", body, extraHeaders, keepAlive, false);
    }
}
