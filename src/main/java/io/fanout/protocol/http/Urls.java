package io.fanout.protocol.http;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** Percent-decoding of paths and query strings (RFC 3986); malformed escapes give null. */
final class Urls {
    private Urls() {
    }

    /** The bytes a percent-encoded string stands for ({@code plusIsSpace} in queries), or null. */
    static byte[] decode(String s, boolean plusIsSpace) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '%') {
                if (i + 2 >= s.length()) {
                    return null;
                }
                int hi = hex(s.charAt(i + 1));
                int lo = hex(s.charAt(i + 2));
                if (hi < 0 || lo < 0) {
                    return null;
                }
                out.write(hi * 16 + lo);
                i += 2;
            } else if (c == '+' && plusIsSpace) {
                out.write(' ');
            } else if (c < 0x80) {
                out.write(c);
            } else {
                return null; // the decoder lets only visible ASCII into a target
            }
        }
        return out.toByteArray();
    }

    private static int hex(char c) {
        if (c >= '0' && c <= '9') {
            return c - '0';
        }
        if (c >= 'a' && c <= 'f') {
            return c - 'a' + 10;
        }
        return c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
    }

    static String decodeToString(String s, boolean plusIsSpace) {
        byte[] b = decode(s, plusIsSpace);
        return b == null ? null : new String(b, StandardCharsets.UTF_8);
    }

    /** One name=value pair of a query; the value bytes are decoded, the name as a string. */
    record Param(String name, byte[] value) {
        String text() {
            return new String(value, StandardCharsets.UTF_8);
        }
    }

    /** The pairs of a raw query in order, or null if one is malformed. */
    static List<Param> query(String raw) {
        List<Param> out = new ArrayList<>();
        if (raw.isEmpty()) {
            return out;
        }
        for (String part : raw.split("&")) {
            if (part.isEmpty()) {
                continue;
            }
            int eq = part.indexOf('=');
            String name = decodeToString(eq < 0 ? part : part.substring(0, eq), true);
            byte[] value = decode(eq < 0 ? "" : part.substring(eq + 1), true);
            if (name == null || value == null) {
                return null;
            }
            out.add(new Param(name, value));
        }
        return out;
    }
}
