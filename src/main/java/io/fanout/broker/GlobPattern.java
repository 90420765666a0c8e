package io.fanout.broker;

/** TEMPORARY stub until the real matcher lands. */
public final class GlobPattern {
    private GlobPattern() {
    }

    public static boolean matches(byte[] pattern, byte[] subject) {
        return java.util.Arrays.equals(pattern, subject) || (pattern.length == 1 && pattern[0] == '*');
    }
}
