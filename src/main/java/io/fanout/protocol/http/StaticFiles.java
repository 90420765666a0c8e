package io.fanout.protocol.http;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * The live page's files, read from the classpath folder {@code web/} (shipped in the jar)
 * on first request and then served from memory. A path names a file only if it is one
 * plain segment ({@code /app.js}) with a known extension: no {@code ..}, no subfolder, no
 * other resource of the classpath can ever be reached. {@code /} is {@code index.html}.
 * Each file has a strong ETag (a hash of its bytes) and {@code Cache-Control: no-cache}:
 * browsers revalidate with {@code If-None-Match} and get 304, and a new jar is never stale.
 *
 * <p>Thread-safe (loops share it): a concurrent map of immutable entries.
 */
final class StaticFiles {
    private static final Pattern NAME = Pattern.compile("/[A-Za-z0-9_-][A-Za-z0-9_.-]{0,63}");
    private static final String PLACEHOLDER = "<!doctype html><title>fanout</title><p>fanout is running.</p>\n";

    record File(byte[] body, String contentType, String etag) {
    }

    private final Map<String, File> byPath = new ConcurrentHashMap<>();

    /** The file for a decoded request path, or null. */
    File get(String path) {
        String p = path.equals("/") ? "/index.html" : path;
        File f = byPath.get(p);
        if (f != null) {
            return f;
        }
        if (!NAME.matcher(p).matches() || p.contains("..") || contentType(p) == null) {
            return null;
        }
        byte[] body = read("web" + p);
        if (body == null && p.equals("/index.html")) {
            body = PLACEHOLDER.getBytes(StandardCharsets.UTF_8);
        }
        if (body == null) {
            return null;
        }
        f = new File(body, contentType(p), etag(body));
        byPath.put(p, f);
        return f;
    }

    private static byte[] read(String resource) {
        try (InputStream in = StaticFiles.class.getClassLoader().getResourceAsStream(resource)) {
            return in == null ? null : in.readAllBytes();
        } catch (IOException e) {
            return null;
        }
    }

    /** The content type of a servable name, or null for an extension that is never served. */
    static String contentType(String name) {
        int dot = name.lastIndexOf('.');
        String ext = dot < 0 ? "" : name.substring(dot + 1);
        return switch (ext) {
            case "html" -> "text/html; charset=utf-8";
            case "js", "mjs" -> "text/javascript; charset=utf-8";
            case "css" -> "text/css; charset=utf-8";
            case "json", "webmanifest" -> "application/json";
            case "svg" -> "image/svg+xml";
            case "png" -> "image/png";
            case "ico" -> "image/x-icon";
            case "txt" -> "text/plain; charset=utf-8";
            default -> null;
        };
    }

    private static String etag(byte[] body) {
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(body);
            return "\"" + HexFormat.of().formatHex(d, 0, 12) + "\"";
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }
}
