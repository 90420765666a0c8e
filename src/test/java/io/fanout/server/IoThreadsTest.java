package io.fanout.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import picocli.CommandLine;

/** --io-threads: auto follows the processors the process may use; a count is taken as given. */
class IoThreadsTest {

    @ParameterizedTest(name = "{0} processors -> {1} loops")
    @CsvSource({"1, 1", "2, 1", "3, 1", "4, 2", "8, 4", "16, 8", "32, 16", "96, 16"})
    void autoIsHalfTheProcessorsAtLeastOneAtMostSixteen(int processors, int loops) {
        assertEquals(loops, IoThreads.auto(processors));
        assertEquals(loops, IoThreads.parse("auto", processors));
        assertEquals(loops, IoThreads.parse(" AUTO ", processors));
    }

    @Test
    void anExplicitCountWinsOverTheHardware() {
        assertEquals(3, IoThreads.parse("3", 2));
        assertEquals(64, IoThreads.parse("64", 2));
    }

    @Test
    void outOfRangeAndNonNumbersAreRefusedWithTheRange() {
        for (String bad : new String[] {"0", "-1", "65", "two", ""}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> IoThreads.parse(bad, 8));
            assertTrue(e.getMessage().contains("1 to 64"), e.getMessage());
        }
    }

    @Test
    void theDefaultIsAutoForThisMachine() {
        ServeCommand cmd = new ServeCommand();
        new CommandLine(cmd).parseArgs();
        assertEquals(IoThreads.auto(Runtime.getRuntime().availableProcessors()), cmd.toConfig().ioThreads());

        ServeCommand two = new ServeCommand();
        new CommandLine(two).parseArgs("--io-threads", "2");
        assertEquals(2, two.toConfig().ioThreads());
    }
}
