package io.fanout.bench;

import java.util.Locale;

/**
 * Just enough JSON for one flat-ish report object: strings, numbers, booleans, arrays of
 * numbers and nested objects, written in order. Not a general library; no dependency.
 */
final class JsonWriter {
    private final StringBuilder sb = new StringBuilder();
    private boolean first = true;

    JsonWriter begin() {
        sb.append('{');
        first = true;
        return this;
    }

    JsonWriter end() {
        sb.append('}');
        first = false;
        return this;
    }

    JsonWriter object(String name) {
        key(name);
        return begin();
    }

    JsonWriter field(String name, String value) {
        key(name);
        if (value == null) {
            sb.append("null");
        } else {
            quote(value);
        }
        return this;
    }

    JsonWriter field(String name, long value) {
        key(name);
        sb.append(value);
        return this;
    }

    JsonWriter field(String name, double value) {
        key(name);
        if (Double.isNaN(value) || Double.isInfinite(value)) {
            sb.append("null");
        } else {
            sb.append(String.format(Locale.ROOT, "%.3f", value));
        }
        return this;
    }

    JsonWriter field(String name, boolean value) {
        key(name);
        sb.append(value);
        return this;
    }

    JsonWriter field(String name, long[] values) {
        key(name);
        sb.append('[');
        for (int i = 0; i < values.length; i++) {
            if (i > 0) {
                sb.append(',');
            }
            sb.append(values[i]);
        }
        sb.append(']');
        return this;
    }

    private void key(String name) {
        if (!first) {
            sb.append(',');
        }
        first = false;
        quote(name);
        sb.append(':');
    }

    private void quote(String s) {
        sb.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                default -> {
                    if (c < 0x20) {
                        sb.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        sb.append('"');
    }

    @Override
    public String toString() {
        return sb.toString();
    }
}
