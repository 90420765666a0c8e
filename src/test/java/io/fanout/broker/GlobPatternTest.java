package io.fanout.broker;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Arrays;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Glob matching against results recorded from redis-server 7.0.15: the subjects were SET as
 * keys and each pattern run through KEYS (same stringmatchlen as PSUBSCRIBE), plus PUBSUB
 * CHANNELS / PUBLISH for the "*" versus empty-channel quirk. Strings are ISO-8859-1, one char
 * per byte, so "\u00e9" is the single byte 0xE9.
 */
class GlobPatternTest {

    static byte[] b(String latin1) {
        return latin1.getBytes(ISO_8859_1);
    }

    static Stream<Arguments> redisResults() {
        String[][] rows = {
            // pattern, subject, Redis's answer
            {"h?llo", "hello", "true"},
            {"h?llo", "hallo", "true"},
            {"h?llo", "hllo", "false"},
            {"h?llo", "heello", "false"},
            {"h*llo", "hllo", "true"},
            {"h*llo", "heeeello", "true"},
            {"h*llo", "hello", "true"},
            {"h*llo", "hell", "false"},
            {"h[ae]llo", "hello", "true"},
            {"h[ae]llo", "hallo", "true"},
            {"h[ae]llo", "hillo", "false"},
            {"h[^e]llo", "hallo", "true"},
            {"h[^e]llo", "hbllo", "true"},
            {"h[^e]llo", "hello", "false"},
            {"h[^e]llo", "hllo", "false"},
            {"h[a-b]llo", "hallo", "true"},
            {"h[a-b]llo", "hbllo", "true"},
            {"h[a-b]llo", "hcllo", "false"},
            {"h[b-a]llo", "hallo", "true"},
            {"h[b-a]llo", "hbllo", "true"},
            {"h[b-a]llo", "hcllo", "false"},
            {"[z-a]", "m", "true"},
            {"[z-a]", "A", "false"},
            {"[z-a]", "z", "true"},
            {"[z-a]", "a", "true"},
            {"h\\*llo", "h*llo", "true"},
            {"h\\*llo", "hello", "false"},
            {"h\\?", "h?", "true"},
            {"h\\?", "hx", "false"},
            {"a\\", "a\\", "true"},
            {"a\\", "a", "false"},
            {"a\\", "a\\\\", "false"},
            {"\\", "\\", "true"},
            {"\\", "", "false"},
            {"[abc", "a", "true"},
            {"[abc", "c", "true"},
            {"[abc", "d", "false"},
            {"[abc", "ab", "false"},
            {"x[abc", "xa", "true"},
            {"x[abc", "xd", "false"},
            {"x[abc", "xab", "false"},
            {"[", "[", "false"},
            {"[", "a", "false"},
            {"[^", "^", "true"},
            {"[^", "a", "true"},
            {"[^", "", "false"},
            {"[]", "]", "false"},
            {"[]", "[]", "false"},
            {"[]", "a", "false"},
            {"[]a]", "]", "false"},
            {"[]a]", "a", "false"},
            {"[]a]", "]a]", "false"},
            {"[a-]", "a", "true"},
            {"[a-]", "-", "false"},
            {"[a-]", "]", "true"},
            {"[-a]", "-", "true"},
            {"[-a]", "a", "true"},
            {"[\\]]", "]", "true"},
            {"[\\]]", "\\", "false"},
            {"[\\-a]", "-", "true"},
            {"[\\-a]", "a", "true"},
            {"[\\-a]", "\\", "false"},
            {"[a\\", "a", "true"},
            {"[a\\", "\\", "true"},
            {"[a\\", "b", "false"},
            {"[^a", "b", "true"},
            {"[^a", "a", "false"},
            {"a*", "a", "true"},
            {"a*", "ab", "true"},
            {"a*", "b", "false"},
            {"*a", "a", "true"},
            {"*a", "ba", "true"},
            {"*a", "ab", "false"},
            {"a**b", "ab", "true"},
            {"a**b", "axxb", "true"},
            {"a**b", "a", "false"},
            {"a*b*c", "abc", "true"},
            {"a*b*c", "aXbYc", "true"},
            {"a*b*c", "acb", "false"},
            {"?", "", "false"},
            {"?", "a", "true"},
            {"?", "ab", "false"},
            {"", "", "true"},
            {"", "a", "false"},
            {"*?", "a", "true"},
            {"*?", "ab", "true"},
            {"??*", "a", "false"},
            {"??*", "ab", "true"},
            {"a[\u00c0-\u00ff]", "a\u00e9", "true"},
            {"a[\u00c0-\u00ff]", "a0", "false"},
            {"a[\u00c0-\u00ff]", "ab", "false"},
            {"a[\u00c0-\u00ff]", "a\u007f", "false"},
            {"[a-\u00ff]", "b", "false"},
            {"[a-\u00ff]", "0", "true"},
            {"[a-\u00ff]", "\u00e9", "false"},
            {"[a-\u00ff]", "\u00ff", "true"},
            {"[a-\u00ff]", "a", "true"},
            {"[\u0001-\u007f]", "a", "true"},
            {"[\u0001-\u007f]", "\u0080", "false"},
            {"[\u0001-\u007f]", "\u007f", "true"},
            {"\u00e9*", "\u00e9t\u00e9", "true"},
            {"\u00e9*", "e", "false"},
            {"a\u0000b", "a\u0000b", "true"},
            {"a\u0000b", "a", "false"},
            {"news.*", "news.tech", "true"},
            {"news.*", "news.", "true"},
            {"news.*", "news", "false"},
            {"__keyspace@*__:*", "__keyspace@0__:foo", "true"},
            {"__keyspace@*__:*", "__keyevent@0__:del", "false"},
        };
        return Arrays.stream(rows).map(r -> Arguments.of(r[0], r[1], Boolean.parseBoolean(r[2])));
    }

    @ParameterizedTest(name = "[{index}] \"{0}\" vs \"{1}\" -> {2}")
    @MethodSource("redisResults")
    void matchesLikeRedis(String pattern, String subject, boolean expected) {
        assertEquals(expected, GlobPattern.matches(b(pattern), b(subject)));
    }

    @Test
    void starDoesNotMatchTheEmptyChannel() {
        // Redis 7.0.15: with SUBSCRIBE "" and "a", PUBSUB CHANNELS * lists only "a", and
        // PUBLISH "" reaches no PSUBSCRIBE * subscriber.
        assertFalse(GlobPattern.matches(b("*"), b("")));
        assertFalse(GlobPattern.matches(b("**"), b("")));
        assertTrue(GlobPattern.matches(b(""), b("")));
        assertTrue(GlobPattern.matches(b("*"), b("a")));
    }

    @Test
    void subjectRangeOverload() {
        byte[] buf = b("xxnews.techyy");
        assertTrue(GlobPattern.matches(b("news.*"), buf, 2, 9));
        assertFalse(GlobPattern.matches(b("news.*"), buf, 1, 9));
        assertTrue(GlobPattern.matches(b("n?ws.t[a-e]ch"), buf, 2, 9));
        assertTrue(GlobPattern.matches(b("*"), buf, 0, 13));
    }

    static String repeat(String s, int n) {
        return s.repeat(n);
    }

    @Test
    void nestingLimitOf1000StarsLikeRedis() {
        // Redis 7.0.15: KEYS ("*a" x n) finds the key ("a" x n) for n = 999 and 1000, not 1001.
        assertTimeoutPreemptively(Duration.ofSeconds(2), () -> {
            for (int n : new int[] {999, 1000}) {
                assertTrue(GlobPattern.matches(b(repeat("*a", n)), b(repeat("a", n))), "n=" + n);
            }
            for (int n : new int[] {1001, 1002, 5000}) {
                assertFalse(GlobPattern.matches(b(repeat("*a", n)), b(repeat("a", n))), "n=" + n);
            }
        });
    }

    @Test
    void hostilePatternsFinishQuickly() {
        byte[] longA = b(repeat("a", 100_000));
        assertTimeoutPreemptively(Duration.ofSeconds(2), () -> {
            // Exponential for a naive backtracker; Redis answers KEYS on a 30000-byte key at once.
            assertFalse(GlobPattern.matches(b("a*a*a*a*a*a*a*a*a*a*a*a*a*b"), longA));
            assertFalse(GlobPattern.matches(b(repeat("*a", 500) + "b"), longA));
            assertFalse(GlobPattern.matches(b(repeat("*?", 200) + "[b]"), longA));
            assertTrue(GlobPattern.matches(b("a*a*a*a*a*a*a*a*a*a*a*a*a*"), longA));
            assertTrue(GlobPattern.matches(b(repeat("*", 10_000) + "a"), longA));
        });
    }
}
