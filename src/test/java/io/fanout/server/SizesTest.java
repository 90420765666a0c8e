package io.fanout.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** The size and duration syntax every option shares: 4096, 64kb, 1mb; 500ms, 10s. */
@Timeout(value = 10, unit = TimeUnit.SECONDS)
class SizesTest {

    @ParameterizedTest(name = "{0} = {1}")
    @CsvSource({
        "4096, 4096",
        "0, 0",
        "10b, 10",
        "64kb, 65536",
        "64k, 65536",
        "64KB, 65536",
        "1mb, 1048576",
        "1MB, 1048576",
        "1m, 1048576",
        "2gb, 2147483648",
        "' 64kb ', 65536",
    })
    void sizesAcceptPlainBytesAndBinarySuffixesInAnyCase(String text, long bytes) {
        assertEquals(bytes, Sizes.parseSize(text));
    }

    @ParameterizedTest
    @ValueSource(strings = {"garbage", "", "-1", "1.5mb", "mb", "12 parsecs", "0x10", "1tb"})
    void malformedSizesAreRefusedWithTheTextQuoted(String text) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Sizes.parseSize(text));
        assertTrue(e.getMessage().contains("'" + text + "'"), e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {"9223372036854775808", "99999999999999999999999", "9007199254740992kb", "8589934592gb"})
    void sizesThatOverflowALongAreRefusedNotWrapped(String text) {
        assertThrows(IllegalArgumentException.class, () -> Sizes.parseSize(text));
    }

    @ParameterizedTest(name = "{0} = {1} ns")
    @CsvSource({
        "10s, 10000000000",
        "500ms, 500000000",
        "500MS, 500000000",
        "2m, 120000000000",
        "5, 5000000000",
        "0, 0",
    })
    void durationsAcceptMillisecondsSecondsAndMinutes(String text, long nanos) {
        assertEquals(nanos, Sizes.parseDurationNanos(text));
    }

    @ParameterizedTest
    @ValueSource(strings = {"garbage", "", "ms", "-5s", "1.5s", "10h", "soon"})
    void malformedDurationsAreRefused(String text) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Sizes.parseDurationNanos(text));
        assertTrue(e.getMessage().contains("'" + text + "'"), e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {"9223372036854775807s", "9223372036854775808ms", "999999999999m"})
    void durationsThatOverflowALongAreRefusedNotWrapped(String text) {
        assertThrows(IllegalArgumentException.class, () -> Sizes.parseDurationNanos(text));
    }

    @Test
    void sizesAreFormattedInTheLargestExactUnit() {
        assertEquals("1mb", Sizes.formatSize(1 << 20));
        assertEquals("64kb", Sizes.formatSize(64 * 1024));
        assertEquals("2gb", Sizes.formatSize(2L << 30));
        assertEquals("4097", Sizes.formatSize(4097));
        assertEquals("0", Sizes.formatSize(0));
        assertEquals(1536, Sizes.parseSize(Sizes.formatSize(1536)));
    }
}
