package io.fanout.protocol.resp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The table the session dispatches through: every entry can run, and the one request-size formula. */
@Timeout(value = 10, unit = TimeUnit.SECONDS)
class CommandTableTest {

    @Test
    void everyCommandAndSubcommandCarriesItsHandler() {
        int checked = 0;
        for (CommandSpec spec : CommandTable.all()) {
            assertNotNull(spec.handler(), spec.fullName());
            checked++;
            for (CommandSpec sub : spec.subcommands()) {
                assertNotNull(sub.handler(), sub.fullName());
                assertEquals(spec.name(), sub.parent());
                checked++;
            }
        }
        assertTrue(checked > 40, "checked " + checked);
    }

    @Test
    void maxRequestBytesHoldsTwoMaximalBulksAndIsCappedBelowTheLargestArray() {
        assertEquals(2 * 1024 * 1024 + 192 * 1024, RespDecoder.maxRequestBytes(1024 * 1024));
        assertEquals(Integer.MAX_VALUE - 8, RespDecoder.maxRequestBytes(Integer.MAX_VALUE));
        // The decoder built with it accepts what the server's --max-message promises.
        RespDecoder d = new RespDecoder(1024, RespDecoder.REDIS_INLINE_MAX, RespDecoder.maxRequestBytes(1024));
        assertEquals(RespDecoder.maxRequestBytes(1024), d.maxBufferNeeded());
    }
}
