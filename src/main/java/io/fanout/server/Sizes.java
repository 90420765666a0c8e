package io.fanout.server;

import java.util.Locale;

/** Parses the sizes and durations the CLI accepts: {@code 4096}, {@code 64kb}, {@code 1mb}; {@code 500ms}, {@code 10s}. */
public final class Sizes {
    private Sizes() {
    }

    /** Bytes; suffixes b, k/kb, m/mb, g/gb (powers of 1024), case-insensitive. */
    public static long parseSize(String text) {
        String s = text.trim().toLowerCase(Locale.ROOT);
        long unit = 1;
        String digits = s;
        String[][] suffixes = {{"kb", "1024"}, {"mb", "1048576"}, {"gb", "1073741824"},
            {"k", "1024"}, {"m", "1048576"}, {"g", "1073741824"}, {"b", "1"}};
        for (String[] suffix : suffixes) {
            if (s.endsWith(suffix[0])) {
                unit = Long.parseLong(suffix[1]);
                digits = s.substring(0, s.length() - suffix[0].length()).trim();
                break;
            }
        }
        long n = parseNonNegative(digits, text, "size (like 4096, 64kb, 1mb)");
        if (n > Long.MAX_VALUE / unit) {
            throw new IllegalArgumentException("size too large: '" + text + "'");
        }
        return n * unit;
    }

    /** Nanoseconds; suffixes ms, s, m (minutes); a plain number means seconds. */
    public static long parseDurationNanos(String text) {
        String s = text.trim().toLowerCase(Locale.ROOT);
        long unitNanos = 1_000_000_000L;
        String digits = s;
        if (s.endsWith("ms")) {
            unitNanos = 1_000_000L;
            digits = s.substring(0, s.length() - 2);
        } else if (s.endsWith("s")) {
            digits = s.substring(0, s.length() - 1);
        } else if (s.endsWith("m")) {
            unitNanos = 60_000_000_000L;
            digits = s.substring(0, s.length() - 1);
        }
        long n = parseNonNegative(digits.trim(), text, "duration (like 500ms, 10s)");
        if (n > Long.MAX_VALUE / unitNanos) {
            throw new IllegalArgumentException("duration too large: '" + text + "'");
        }
        return n * unitNanos;
    }

    private static long parseNonNegative(String digits, String original, String what) {
        if (digits.isEmpty() || !digits.chars().allMatch(Character::isDigit)) {
            throw new IllegalArgumentException("invalid " + what + ": '" + original + "'");
        }
        try {
            return Long.parseLong(digits);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("invalid " + what + ": '" + original + "'");
        }
    }

    /** Human form for logs and help: 1mb, 64kb, 4096. */
    public static String formatSize(long bytes) {
        if (bytes > 0 && bytes % (1L << 30) == 0) {
            return (bytes >> 30) + "gb";
        }
        if (bytes > 0 && bytes % (1L << 20) == 0) {
            return (bytes >> 20) + "mb";
        }
        if (bytes > 0 && bytes % 1024 == 0) {
            return (bytes >> 10) + "kb";
        }
        return Long.toString(bytes);
    }
}
