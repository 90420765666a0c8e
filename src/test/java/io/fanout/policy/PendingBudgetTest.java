package io.fanout.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The global budget's rule on fake backlogs: which are cut, in which order, and when none are. */
@Timeout(value = 10, unit = TimeUnit.SECONDS)
class PendingBudgetTest {
    private static List<FakeBacklog> backlogs(long... sizes) {
        List<FakeBacklog> list = new ArrayList<>();
        for (int i = 0; i < sizes.length; i++) {
            list.add(new FakeBacklog(i + 1, sizes[i]));
        }
        return list;
    }

    @Test
    void overBudgetOnlyAboveTheBudget() {
        PendingBudget budget = new PendingBudget(10_000);
        assertFalse(budget.isOverBudget(10_000));
        assertTrue(budget.isOverBudget(10_001));
    }

    @Test
    void cutsTheLargestFirstUntilTheTotalFits() {
        PendingBudget budget = new PendingBudget(10_000);
        List<FakeBacklog> list = backlogs(1_000, 6_000, 3_000, 4_000, 500);
        int cuts = budget.pickCuts(list, 14_500);
        // 14 500 - 6 000 = 8 500 fits: only the largest goes.
        assertEquals(1, cuts);
        assertEquals(2, list.get(0).id());
        cuts = budget.pickCuts(list, 19_000);
        // 19 000 - 6 000 - 4 000 = 9 000: the two largest.
        assertEquals(2, cuts);
        assertEquals(List.of(2L, 4L), List.of(list.get(0).id(), list.get(1).id()));
    }

    @Test
    void theTotalOfAllLoopsCountsNotJustThisLoopsBacklogs() {
        PendingBudget budget = new PendingBudget(10_000);
        List<FakeBacklog> list = backlogs(2_000, 1_000);
        // Other loops hold 30 000: cutting all of ours still does not fit, so all of ours go.
        assertEquals(2, budget.pickCuts(list, 33_000));
    }

    @Test
    void nothingIsCutWhenTheTotalFits() {
        PendingBudget budget = new PendingBudget(10_000);
        assertEquals(0, budget.pickCuts(backlogs(9_000, 1_000), 10_000));
        assertEquals(0, budget.pickCuts(backlogs(), 20_000), "a loop without backlogs has nothing to cut");
    }
}
