package io.numaslab.numa;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class CpuListTest
{
    @Test
    void parsesSingleIdsAndRanges()
    {
        assertArrayEquals(new int[] {0, 1, 2, 3, 8, 10, 11}, CpuList.parse("0-3,8,10-11\n"));
    }

    @Test
    void parsesEmptyListAsNoIds()
    {
        assertArrayEquals(new int[0], CpuList.parse("\n"));
    }

    @Test
    void formatsRunsAsRanges()
    {
        assertEquals("0-3,8,10-11", CpuList.format(new int[] {11, 0, 1, 2, 3, 8, 10, 3}));
    }

    @Test
    void formatThenParseIsIdentity()
    {
        final int[] ids = {0, 2, 4, 5, 6, 63, 64, 65, 1000};
        assertArrayEquals(ids, CpuList.parse(CpuList.format(ids)));
    }

    @Test
    void rejectsGarbage()
    {
        assertThrows(IllegalArgumentException.class, () -> CpuList.parse("0-x"));
        assertThrows(IllegalArgumentException.class, () -> CpuList.parse("5-2"));
        assertThrows(IllegalArgumentException.class, () -> CpuList.parse("0-2147483647"), "one past its end overflows");
    }
}
