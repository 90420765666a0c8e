package io.fanout.protocol.ws;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.Locale;

/**
 * The server side of the opening handshake (RFC 6455 §4.2): checks a client's upgrade
 * request and computes {@code Sec-WebSocket-Accept}. Pure: header values in, a verdict out.
 */
public final class WsHandshake {
    private static final String GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

    private WsHandshake() {
    }

    /**
     * Null when the request is a valid version-13 upgrade, else the reason it is not (the
     * caller answers 400, or 426 when only the version is wrong: see {@link #isVersionOk}).
     */
    public static String problem(String method, String httpVersion, String upgrade, String connection,
                                 String version, String key) {
        if (!"GET".equals(method)) {
            return "WebSocket handshakes use GET";
        }
        if (!"HTTP/1.1".equals(httpVersion)) {
            return "WebSocket handshakes need HTTP/1.1";
        }
        if (!hasToken(upgrade, "websocket")) {
            return "missing Upgrade: websocket";
        }
        if (!hasToken(connection, "upgrade")) {
            return "missing Connection: Upgrade";
        }
        if (!isVersionOk(version)) {
            return "unsupported Sec-WebSocket-Version (13 is supported)";
        }
        if (!isValidKey(key)) {
            return "Sec-WebSocket-Key must be 16 bytes in base64";
        }
        return null;
    }

    public static boolean isVersionOk(String version) {
        return version != null && version.trim().equals("13");
    }

    static boolean isValidKey(String key) {
        if (key == null) {
            return false;
        }
        String k = key.trim();
        if (k.length() != 24) {
            return false;
        }
        try {
            return Base64.getDecoder().decode(k).length == 16;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    /** Whether a comma-separated header value holds {@code token}, ignoring case and spaces. */
    public static boolean hasToken(String headerValue, String token) {
        if (headerValue == null) {
            return false;
        }
        for (String part : headerValue.split(",")) {
            if (part.trim().toLowerCase(Locale.ROOT).equals(token)) {
                return true;
            }
        }
        return false;
    }

    /** base64(SHA-1(key + GUID)), RFC 6455 §4.2.2 item 5.4. */
    public static String acceptKey(String key) {
        try {
            MessageDigest sha1 = MessageDigest.getInstance("SHA-1");
            byte[] digest = sha1.digest((key.trim() + GUID).getBytes(StandardCharsets.US_ASCII));
            return Base64.getEncoder().encodeToString(digest);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-1", e);
        }
    }
}
