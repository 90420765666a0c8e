package io.fanout.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import io.fanout.engine.CloseReason;
import io.fanout.engine.Verdict;

/**
 * Every slow-consumer rule as a pure function: a fake backlog, a clock that is just a number,
 * and the verdict. No socket, no loop; "not yet" and "now" are one nanosecond apart.
 */
@Timeout(value = 10, unit = TimeUnit.SECONDS)
class SlowConsumerVerdictTest {
    private static final long MS = 1_000_000L;
    /** Far from 0, which the soft-breach clock uses as "unset". */
    private static final long T0 = 1_000_000_000_000L;

    private static SlowConsumerPolicy policy(long hard, long soft, long softNanos, long deadlineNanos,
                                             SlowPolicyMode mode, long stallNanos) {
        return new SlowConsumerPolicy(new SlowPolicySettings(hard, soft, softNanos, deadlineNanos, 0, mode, stallNanos));
    }

    private static FakeBacklog backlog(long pendingBytes) {
        FakeBacklog b = new FakeBacklog(7, pendingBytes);
        b.lastProgressNanos = T0;
        return b;
    }

    // ---- hard --------------------------------------------------------------------------

    @Test
    void hardLimitCutsOnlyAboveTheLimit() {
        SlowConsumerPolicy p = new SlowConsumerPolicy(SlowPolicySettings.hardOnly(1000));
        assertSame(Verdict.OK, p.judge(backlog(1000), T0), "at the limit is within it");
        assertSame(Verdict.close(CloseReason.SLOW_HARD), p.judge(backlog(1001), T0));
    }

    @Test
    void aLimitOfZeroIsOff() {
        SlowConsumerPolicy p = policy(0, 0, 0, 0, SlowPolicyMode.DISCONNECT, 0);
        assertSame(Verdict.OK, p.judge(backlog(Long.MAX_VALUE / 2), T0 + 3_600_000 * MS));
    }

    // ---- soft --------------------------------------------------------------------------

    @Test
    void softLimitCutsAfterItsGraceAndNotBefore() {
        SlowConsumerPolicy p = policy(0, 500, 2000 * MS, 0, SlowPolicyMode.DISCONNECT, 0);
        FakeBacklog b = backlog(501);
        assertSame(Verdict.OK, p.judge(b, T0), "the breach starts its clock");
        assertEquals(T0, b.softBreachSinceNanos());
        assertSame(Verdict.OK, p.judge(b, T0 + 2000 * MS - 1), "one nanosecond short of the grace");
        assertSame(Verdict.close(CloseReason.SLOW_SOFT), p.judge(b, T0 + 2000 * MS));
    }

    @Test
    void softClockResetsWhenTheBacklogDipsToTheLimit() {
        SlowConsumerPolicy p = policy(0, 500, 2000 * MS, 0, SlowPolicyMode.DISCONNECT, 0);
        FakeBacklog b = backlog(600);
        p.judge(b, T0);
        b.pendingBytes = 500; // a dip to the limit counts as under it
        assertSame(Verdict.OK, p.judge(b, T0 + 1500 * MS));
        assertEquals(0, b.softBreachSinceNanos(), "the dip cleared the clock");
        b.pendingBytes = 600;
        assertSame(Verdict.OK, p.judge(b, T0 + 1600 * MS), "a new breach starts a new clock");
        assertSame(Verdict.OK, p.judge(b, T0 + 3599 * MS), "the first breach's time does not count");
        assertSame(Verdict.close(CloseReason.SLOW_SOFT), p.judge(b, T0 + 3600 * MS));
    }

    // ---- deadline ----------------------------------------------------------------------

    @Test
    void deadlineCutsABacklogThatMadeNoProgressForTheDeadline() {
        SlowConsumerPolicy p = policy(0, 0, 0, 500 * MS, SlowPolicyMode.DISCONNECT, 0);
        FakeBacklog b = backlog(1);
        assertSame(Verdict.OK, p.judge(b, T0 + 500 * MS - 1));
        assertSame(Verdict.close(CloseReason.SLOW_DEADLINE), p.judge(b, T0 + 500 * MS), "however small");
    }

    @Test
    void deadlineCountsFromTheLastProgressAndIgnoresAnEmptyQueue() {
        SlowConsumerPolicy p = policy(0, 0, 0, 500 * MS, SlowPolicyMode.DISCONNECT, 0);
        FakeBacklog b = backlog(100);
        b.lastProgressNanos = T0 + 400 * MS; // the kernel took a byte
        assertSame(Verdict.OK, p.judge(b, T0 + 899 * MS));
        assertSame(Verdict.close(CloseReason.SLOW_DEADLINE), p.judge(b, T0 + 900 * MS));
        b.pendingBytes = 0;
        assertSame(Verdict.OK, p.judge(b, T0 + 10_000 * MS), "no backlog, nothing stalled");
    }

    @Test
    void theHardRuleIsJudgedFirst() {
        SlowConsumerPolicy p = policy(1000, 500, 1, 1, SlowPolicyMode.DISCONNECT, 0);
        FakeBacklog b = backlog(2000);
        b.markSoftBreach(T0 - 1000 * MS);
        assertSame(Verdict.close(CloseReason.SLOW_HARD), p.judge(b, T0 + 1000 * MS));
    }

    // ---- drop-oldest -------------------------------------------------------------------

    @Test
    void dropOldestAsksForADropToThreeQuartersOfTheLimit() {
        SlowConsumerPolicy p = policy(1000, 0, 0, 0, SlowPolicyMode.DROP_OLDEST, 0);
        Verdict v = p.judge(backlog(1001), T0);
        assertEquals(Verdict.Kind.DROP, v.kind());
        assertEquals(750, v.dropToBytes());
        assertEquals(1000, v.thresholdBytes());
        assertSame(v, p.judge(backlog(5000), T0), "made once, never per judgement");
        assertSame(Verdict.OK, p.judge(backlog(1000), T0));
    }

    @Test
    void dropOldestCutsWhenTheDropCouldNotGetUnderTheLimit() {
        SlowConsumerPolicy p = policy(1000, 0, 0, 0, SlowPolicyMode.DROP_OLDEST, 0);
        FakeBacklog b = backlog(1001); // e.g. private replies, which are never dropped
        assertSame(Verdict.close(CloseReason.SLOW_HARD), p.judgeAfterDrop(b, T0));
        b.pendingBytes = 800; // the drop worked (and the notice fits)
        assertSame(Verdict.OK, p.judgeAfterDrop(b, T0));
    }

    @Test
    void afterADropTheTimeRulesStillApply() {
        SlowConsumerPolicy p = policy(1000, 500, 2000 * MS, 0, SlowPolicyMode.DROP_OLDEST, 0);
        FakeBacklog b = backlog(760);
        b.markSoftBreach(T0);
        assertSame(Verdict.close(CloseReason.SLOW_SOFT), p.judgeAfterDrop(b, T0 + 2000 * MS));
    }

    @Test
    void disconnectModeNeverAsksForADrop() {
        SlowConsumerPolicy p = policy(1000, 0, 0, 0, SlowPolicyMode.DISCONNECT, 0);
        assertSame(Verdict.close(CloseReason.SLOW_HARD), p.judge(backlog(1001), T0));
    }

    // ---- producer stall ----------------------------------------------------------------

    @Test
    void producerStallWantedAboveThreeQuartersOfTheHardLimitWhenOn() {
        SlowConsumerPolicy on = policy(1000, 0, 0, 0, SlowPolicyMode.DISCONNECT, 10 * MS);
        assertFalse(on.wantsProducerStall(backlog(750)));
        assertTrue(on.wantsProducerStall(backlog(751)));
        assertEquals(10 * MS, on.producerStallNanos());
        SlowConsumerPolicy off = policy(1000, 0, 0, 0, SlowPolicyMode.DISCONNECT, 0);
        assertFalse(off.wantsProducerStall(backlog(999)));
    }

    @Test
    void closeVerdictsAreSharedAndCarryTheirReason() {
        for (CloseReason r : CloseReason.values()) {
            assertSame(Verdict.close(r), Verdict.close(r));
            assertSame(r, Verdict.close(r).closeReason());
        }
        assertNull(Verdict.OK.closeReason());
    }

    // ---- hot path ----------------------------------------------------------------------

    /**
     * Judging runs after every write attempt on a backlog: the verdicts that do not cut (OK,
     * drop) allocate nothing. Measured with the thread's own allocation counter; one object
     * per judgement would be 16 MB here.
     */
    @Test
    void judgingAllocatesNothing() {
        SlowConsumerPolicy p = policy(1000, 500, 2000 * MS, 60_000 * MS, SlowPolicyMode.DROP_OLDEST, 10 * MS);
        FakeBacklog under = backlog(400);
        FakeBacklog soft = backlog(600);
        FakeBacklog over = backlog(1500);
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long kinds = judgeMany(p, under, soft, over, 20_000); // warm-up (JIT)
        long before = threads.getCurrentThreadAllocatedBytes();
        kinds += judgeMany(p, under, soft, over, 1_000_000);
        long allocated = threads.getCurrentThreadAllocatedBytes() - before;
        assertTrue(kinds > 0);
        assertTrue(allocated < 100_000, allocated + " bytes allocated for 3,000,000 judgements");
    }

    private static long judgeMany(SlowConsumerPolicy p, FakeBacklog under, FakeBacklog soft, FakeBacklog over, int n) {
        long sum = 0;
        for (int i = 0; i < n; i++) {
            long now = T0 + i;
            sum += p.judge(under, now).kind().ordinal();
            sum += p.judge(soft, now).kind().ordinal();
            sum += p.judge(over, now).kind().ordinal();
            sum += p.wantsProducerStall(over) ? 1 : 0;
        }
        return sum;
    }
}
