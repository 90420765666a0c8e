package io.fanout.protocol.http;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Percent-decoding of channel names in paths and of query parameters. */
@Timeout(value = 10, unit = TimeUnit.SECONDS)
class UrlsTest {
    @Test
    void pathsDecodeToTheChannelBytes() {
        assertArrayEquals("a/b c".getBytes(StandardCharsets.UTF_8), Urls.decode("a%2Fb%20c", false));
        assertArrayEquals("café".getBytes(StandardCharsets.UTF_8), Urls.decode("caf%C3%a9", false));
        assertArrayEquals(new byte[] {(byte) 0xFF}, Urls.decode("%FF", false), "any byte: channels are binary");
        assertArrayEquals("a+b".getBytes(StandardCharsets.UTF_8), Urls.decode("a+b", false), "+ is + in a path");
    }

    @Test
    void malformedEscapesAreRefused() {
        assertNull(Urls.decode("%", false));
        assertNull(Urls.decode("%4", false));
        assertNull(Urls.decode("%zz", false));
        assertNull(Urls.decode("%-1", false));
        assertNull(Urls.query("channel=%G0"));
    }

    @Test
    void queriesKeepOrderAndRepeatedNames() {
        List<Urls.Param> q = Urls.query("channel=a&&channel=b+c&pattern=n.*&token");
        assertEquals(4, q.size());
        assertEquals("a", q.get(0).text());
        assertEquals("b c", q.get(1).text());
        assertEquals("n.*", q.get(2).text());
        assertEquals("token", q.get(3).name());
        assertEquals("", q.get(3).text());
    }
}
