package io.fanout.protocol.resp;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

/** The length arithmetic of the message frames: a wrong digit count tears every frame after it. */
class RespWireFormTest {

    @Test
    void digitsAtEveryPowerOfTenEdge() {
        int[] edges = {0, 1, 9, 10, 99, 100, 999, 1000, 9999, 10_000, 99_999, 100_000, 999_999, 1_000_000,
            9_999_999, 10_000_000, 99_999_999, 100_000_000, 999_999_999, 1_000_000_000, Integer.MAX_VALUE};
        for (int v : edges) {
            assertEquals(Integer.toString(v).length(), RespWireForm.digits(v), "digits(" + v + ")");
        }
    }

    @Property(tries = 2000)
    void digitsMatchTheDecimalString(@ForAll @IntRange(min = 0, max = Integer.MAX_VALUE) int v) {
        assertEquals(Integer.toString(v).length(), RespWireForm.digits(v));
    }
}
