package io.fanout.protocol.ws;

import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * One command a {@code fanout.json} client sends, parsed from a JSON object:
 * <pre>
 *   {"op":"subscribe","channel":"a"}        {"op":"unsubscribe","channel":"a"}
 *   {"op":"psubscribe","pattern":"n.*"}     {"op":"punsubscribe","pattern":"n.*"}
 *   {"op":"publish","channel":"a","data":"text"}   or "data64":"base64 bytes"
 * </pre>
 * The parser is a small recursive-descent reader of RFC 8259 written for hostile input:
 * nesting is limited to {@link #MAX_DEPTH}, every error is a {@link JsonException} with a
 * position (never another exception, never a stack overflow), unknown fields are read and
 * ignored, a field given twice is an error, and the input size is bounded by the caller
 * (--max-message). Fields this protocol uses must be strings.
 */
public record JsonCommand(String op, String channel, String pattern, byte[] data) {
    /** Deepest nesting of arrays and objects accepted (in ignored fields). */
    public static final int MAX_DEPTH = 32;

    /** Malformed JSON or a command of the wrong shape; the message is safe to show the client. */
    public static final class JsonException extends Exception {
        public JsonException(String message) {
            super(message, null, false, false);
        }
    }

    /** Parses one command object from its text. */
    public static JsonCommand parse(String text) throws JsonException {
        return new Parser(text).command();
    }

    private static final class Parser {
        private final String s;
        private int i;
        private String op;
        private String channel;
        private String pattern;
        private String data;
        private String data64;

        Parser(String s) {
            this.s = s;
        }

        JsonCommand command() throws JsonException {
            skipSpace();
            expect('{');
            skipSpace();
            if (peek() != '}') {
                do {
                    skipSpace();
                    String name = string();
                    skipSpace();
                    expect(':');
                    skipSpace();
                    field(name);
                    skipSpace();
                } while (tryConsume(','));
            }
            expect('}');
            skipSpace();
            if (i != s.length()) {
                throw error("text after the object");
            }
            if (op == null) {
                throw new JsonException("missing \"op\"");
            }
            byte[] payload = null;
            if (data != null && data64 != null) {
                throw new JsonException("give \"data\" or \"data64\", not both");
            }
            if (data != null) {
                payload = data.getBytes(StandardCharsets.UTF_8);
            } else if (data64 != null) {
                try {
                    payload = Base64.getDecoder().decode(data64);
                } catch (IllegalArgumentException e) {
                    throw new JsonException("\"data64\" is not valid base64");
                }
            }
            return new JsonCommand(op, channel, pattern, payload);
        }

        private void field(String name) throws JsonException {
            switch (name) {
                case "op" -> op = once(op, name, stringField(name));
                case "channel" -> channel = once(channel, name, stringField(name));
                case "pattern" -> pattern = once(pattern, name, stringField(name));
                case "data" -> data = once(data, name, stringField(name));
                case "data64" -> data64 = once(data64, name, stringField(name));
                default -> value(1);
            }
        }

        private String once(String old, String name, String value) throws JsonException {
            if (old != null) {
                throw new JsonException("field \"" + name + "\" given twice");
            }
            return value;
        }

        private String stringField(String name) throws JsonException {
            if (peek() != '"') {
                throw error("\"" + name + "\" must be a string");
            }
            return string();
        }

        /** Reads and discards any value. */
        private void value(int depth) throws JsonException {
            if (depth > MAX_DEPTH) {
                throw error("nested deeper than " + MAX_DEPTH);
            }
            char c = peek();
            switch (c) {
                case '"' -> string();
                case '{' -> object(depth);
                case '[' -> array(depth);
                case 't' -> literal("true");
                case 'f' -> literal("false");
                case 'n' -> literal("null");
                default -> {
                    if (c == '-' || (c >= '0' && c <= '9')) {
                        number();
                    } else {
                        throw error("unexpected character");
                    }
                }
            }
        }

        private void object(int depth) throws JsonException {
            expect('{');
            skipSpace();
            if (tryConsume('}')) {
                return;
            }
            do {
                skipSpace();
                string();
                skipSpace();
                expect(':');
                skipSpace();
                value(depth + 1);
                skipSpace();
            } while (tryConsume(','));
            expect('}');
        }

        private void array(int depth) throws JsonException {
            expect('[');
            skipSpace();
            if (tryConsume(']')) {
                return;
            }
            do {
                skipSpace();
                value(depth + 1);
                skipSpace();
            } while (tryConsume(','));
            expect(']');
        }

        private void literal(String word) throws JsonException {
            if (!s.startsWith(word, i)) {
                throw error("unexpected character");
            }
            i += word.length();
        }

        private void number() throws JsonException {
            tryConsume('-');
            if (tryConsume('0')) {
                // a leading zero stands alone
            } else if (digits() == 0) {
                throw error("bad number");
            }
            if (tryConsume('.') && digits() == 0) {
                throw error("bad number");
            }
            if (peek() == 'e' || peek() == 'E') {
                i++;
                if (!tryConsume('+')) {
                    tryConsume('-');
                }
                if (digits() == 0) {
                    throw error("bad number");
                }
            }
        }

        private int digits() {
            int start = i;
            while (i < s.length() && s.charAt(i) >= '0' && s.charAt(i) <= '9') {
                i++;
            }
            return i - start;
        }

        private String string() throws JsonException {
            expect('"');
            StringBuilder out = new StringBuilder();
            while (true) {
                if (i >= s.length()) {
                    throw error("unterminated string");
                }
                char c = s.charAt(i++);
                if (c == '"') {
                    break;
                }
                if (c < 0x20) {
                    throw error("control character in a string");
                }
                if (c != '\\') {
                    out.append(c);
                    continue;
                }
                if (i >= s.length()) {
                    throw error("unterminated string");
                }
                char e = s.charAt(i++);
                switch (e) {
                    case '"', '\\', '/' -> out.append(e);
                    case 'b' -> out.append('\b');
                    case 'f' -> out.append('\f');
                    case 'n' -> out.append('\n');
                    case 'r' -> out.append('\r');
                    case 't' -> out.append('\t');
                    case 'u' -> out.append(hex4());
                    default -> throw error("bad escape");
                }
            }
            String r = out.toString();
            checkSurrogates(r);
            return r;
        }

        /** Lone surrogates from \\u escapes have no UTF-8 form: refuse them. */
        private void checkSurrogates(String r) throws JsonException {
            for (int k = 0; k < r.length(); k++) {
                char c = r.charAt(k);
                if (Character.isHighSurrogate(c) && k + 1 < r.length() && Character.isLowSurrogate(r.charAt(k + 1))) {
                    k++;
                } else if (Character.isSurrogate(c)) {
                    throw error("lone surrogate in a string");
                }
            }
        }

        private char hex4() throws JsonException {
            if (i + 4 > s.length()) {
                throw error("bad \\u escape");
            }
            int v = 0;
            for (int k = 0; k < 4; k++) {
                char h = s.charAt(i++);
                int d = h >= '0' && h <= '9' ? h - '0' : h >= 'a' && h <= 'f' ? h - 'a' + 10
                        : h >= 'A' && h <= 'F' ? h - 'A' + 10 : -1;
                if (d < 0) {
                    throw error("bad \\u escape");
                }
                v = v * 16 + d;
            }
            return (char) v;
        }

        private void skipSpace() {
            while (i < s.length()) {
                char c = s.charAt(i);
                if (c != ' ' && c != '\t' && c != '\n' && c != '\r') {
                    return;
                }
                i++;
            }
        }

        private char peek() {
            return i < s.length() ? s.charAt(i) : '\0';
        }

        private boolean tryConsume(char c) {
            if (i < s.length() && s.charAt(i) == c) {
                i++;
                return true;
            }
            return false;
        }

        private void expect(char c) throws JsonException {
            if (!tryConsume(c)) {
                throw error(i >= s.length() ? "unexpected end, expected '" + c + "'" : "expected '" + c + "'");
            }
        }

        private JsonException error(String what) {
            return new JsonException(what + " at offset " + i);
        }
    }
}
