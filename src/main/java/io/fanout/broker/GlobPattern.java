package io.fanout.broker;

import java.util.Objects;

/**
 * Redis glob matching (util.c stringmatchlen, case-sensitive), used for PSUBSCRIBE patterns and
 * PUBSUB CHANNELS / NUMPAT-style filters.
 *
 * <p>Semantics copied from Redis 7.0 behaviour, byte-wise:
 * <ul>
 *   <li>{@code *} any run of bytes, {@code ?} exactly one byte, {@code \x} the literal x (a
 *       trailing backslash is a literal backslash).</li>
 *   <li>{@code [...]} one byte from a set; {@code [^...]} negates; {@code a-z} ranges, with
 *       reversed ranges ({@code [z-a]}) swapped; {@code \} escapes inside the set. An
 *       unterminated {@code [} ends the pattern: the bytes seen so far form the set.</li>
 *   <li>Range bounds compare as <em>signed</em> bytes, as C {@code char} does on x86-64 where
 *       Redis runs (so {@code [a-\xff]} is the range -1..'a').</li>
 *   <li>Quirk kept: {@code *} never matches an empty subject unless reached after consuming
 *       bytes, i.e. pattern "*" does not match "" (stringmatchlen's loop needs a byte).</li>
 * </ul>
 *
 * <p>Cost: Redis's "skip longer matches" rule (once the rest of the pattern failed at every
 * later position, longer matches of an earlier star cannot help) keeps hostile patterns such as
 * {@code a*a*a*a*b} polynomial, and recursion is cut at 1000 nested stars (then: no match), as
 * in Redis 7.0.9+. Worst case is about O(pattern × subject) work.
 *
 * <p>Threading: stateless; safe from any thread.
 */
public final class GlobPattern {

    /** Redis stops recursing below this many nested stars and reports no match. */
    static final int MAX_NESTING = 1000;

    private static final int NO_MATCH = 0;
    private static final int MATCH = 1;
    /** No match, and no longer match for any enclosing star can succeed either. */
    private static final int NO_MATCH_SKIP_LONGER = 2;

    private GlobPattern() {
    }

    /** True if {@code subject} matches {@code pattern}. */
    public static boolean matches(byte[] pattern, byte[] subject) {
        return matches(pattern, subject, 0, subject.length);
    }

    /** True if {@code subject[off, off+len)} matches {@code pattern}. */
    public static boolean matches(byte[] pattern, byte[] subject, int off, int len) {
        Objects.checkFromIndexSize(off, len, subject.length);
        return match(pattern, 0, pattern.length, subject, off, off + len, 0) == MATCH;
    }

    /**
     * One level of stringmatchlen_impl. Pattern bytes at or past {@code pend} read as NUL, like
     * the terminator of the C string Redis's code relies on.
     */
    private static int match(byte[] p, int pi, int pend, byte[] s, int si, int send, int nesting) {
        if (nesting > MAX_NESTING) {
            return NO_MATCH;
        }
        while (pi < pend && si < send) {
            switch (p[pi]) {
                case '*': {
                    while (at(p, pi + 1, pend) == '*') { // collapse runs of stars
                        pi++;
                    }
                    if (pend - pi == 1) {
                        return MATCH; // trailing star matches the rest
                    }
                    while (si < send) {
                        int r = match(p, pi + 1, pend, s, si, send, nesting + 1);
                        if (r != NO_MATCH) {
                            return r;
                        }
                        si++;
                    }
                    // The rest of the pattern matches nowhere in the rest of the subject, so
                    // letting an earlier star swallow more bytes cannot help either.
                    return NO_MATCH_SKIP_LONGER;
                }
                case '?':
                    si++;
                    break;
                case '[': {
                    pi = matchSet(p, pi + 1, pend, s[si]);
                    if (pi < 0) {
                        return NO_MATCH;
                    }
                    si++;
                    break;
                }
                case '\\':
                    if (pend - pi >= 2) {
                        pi++;
                    }
                    if (p[pi] != s[si]) {
                        return NO_MATCH;
                    }
                    si++;
                    break;
                default:
                    if (p[pi] != s[si]) {
                        return NO_MATCH;
                    }
                    si++;
                    break;
            }
            pi++;
            if (si == send) {
                while (at(p, pi, pend) == '*') { // trailing stars match the empty rest
                    pi++;
                }
                break;
            }
        }
        return pi >= pend && si == send ? MATCH : NO_MATCH;
    }

    /**
     * A {@code [...]} set, from the byte after {@code [}: returns the index of its closing
     * {@code ]} (or of the pattern's last byte for an unterminated set) when {@code c} is in
     * the set, -1 when it is not.
     */
    private static int matchSet(byte[] p, int pi, int pend, byte c) {
        boolean negate = at(p, pi, pend) == '^';
        if (negate) {
            pi++;
        }
        boolean hit = false;
        while (true) {
            int pc = at(p, pi, pend);
            if (pc == '\\' && pend - pi >= 2) {
                pi++;
                if (p[pi] == c) {
                    hit = true;
                }
            } else if (pc == ']') {
                break;
            } else if (pi >= pend) {
                pi--; // unterminated set: stop on the last byte, the pattern ends
                break;
            } else if (pend - pi >= 3 && p[pi + 1] == '-') {
                int start = Math.min(p[pi], p[pi + 2]);
                int end = Math.max(p[pi], p[pi + 2]);
                pi += 2;
                if (c >= start && c <= end) {
                    hit = true;
                }
            } else if (p[pi] == c) {
                hit = true;
            }
            pi++;
        }
        return hit != negate ? pi : -1;
    }

    private static int at(byte[] p, int i, int end) {
        return i < end ? p[i] : 0;
    }
}
