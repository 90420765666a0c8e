package io.fanout.protocol.resp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The MULTI queue's own rules: private copies, the two byte limits, and giving bytes back. */
@Timeout(value = 10, unit = TimeUnit.SECONDS)
class TransactionTest {
    private static final CommandSpec PUBLISH = CommandTable.lookup("publish");

    private static RespArgs args(String... words) {
        StringBuilder all = new StringBuilder();
        for (String w : words) {
            all.append(w);
        }
        RespArgs a = new RespArgs();
        a.resetForScratch(all.toString().getBytes(StandardCharsets.UTF_8));
        int at = 0;
        for (String w : words) {
            a.add(at, w.length());
            at += w.length();
        }
        return a;
    }

    @Test
    void queuedCommandsAreCopiesThatReplayIntoArgs() {
        Transaction t = new Transaction(1 << 20, 1 << 20, new AtomicLong());
        RespArgs a = args("PUBLISH", "ch", "hello");
        assertNull(t.tryQueue(PUBLISH, a));
        a.resetForScratch(new byte[32]); // the input is reused for the next command
        RespArgs replay = new RespArgs();
        t.commands().get(0).loadInto(replay);
        assertEquals(3, replay.count());
        assertEquals("ch", replay.string(1));
        assertEquals("hello", replay.string(2));
        assertEquals(1, t.size());
    }

    @Test
    void theSharedBudgetRefusesWhatWouldPassItAndGetsEveryByteBack() {
        AtomicLong shared = new AtomicLong();
        Transaction first = new Transaction(1 << 20, 450, shared);
        Transaction second = new Transaction(1 << 20, 450, shared);
        assertNull(first.tryQueue(PUBLISH, args("PUBLISH", "c", "x".repeat(100))));
        assertNull(second.tryQueue(PUBLISH, args("PUBLISH", "c", "y".repeat(100))));
        String refused = second.tryQueue(PUBLISH, args("PUBLISH", "c", "z".repeat(100)));
        assertTrue(refused != null && refused.startsWith("OOM "), refused);
        assertEquals(first.bytes() + second.bytes(), shared.get(), "a refused command holds nothing");
        second.markFailed();
        assertEquals(first.bytes(), shared.get(), "a failed transaction keeps nothing");
        assertNull(second.tryQueue(PUBLISH, args("PUBLISH", "c", "w".repeat(1000))), "answered, not kept");
        assertEquals(0, second.bytes());
        first.release();
        assertEquals(0, shared.get());
    }

    @Test
    void oneTransactionIsRefusedOverItsOwnLimit() {
        Transaction t = new Transaction(200, 1 << 20, new AtomicLong());
        assertNull(t.tryQueue(PUBLISH, args("PUBLISH", "c", "x".repeat(50))));
        String refused = t.tryQueue(PUBLISH, args("PUBLISH", "c", "x".repeat(150)));
        assertTrue(refused != null && refused.startsWith("ERR transaction too large"), refused);
    }
}
