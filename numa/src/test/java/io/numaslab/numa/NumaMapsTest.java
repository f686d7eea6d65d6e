package io.numaslab.numa;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class NumaMapsTest
{
    @Test
    void parsesPolicyPagesPerNodeAndPageSize()
    {
        final List<NumaMaps.Entry> entries = NumaMaps.parse(List.of(
            "7f1c40000000 bind:1 anon=512 dirty=512 N0=12 N1=500 kernelpagesize_kB=4",
            "7f1c80000000 bind:3 file=/anon_hugepage\\040(deleted) huge anon=4 dirty=4 N3=4 kernelpagesize_kB=2048"));

        assertEquals(0x7f1c40000000L, entries.get(0).startAddress());
        assertEquals("bind:1", entries.get(0).policy());
        assertEquals(Map.of(0, 12L, 1, 500L), entries.get(0).pagesPerNode());
        assertEquals(4096, entries.get(0).kernelPageSizeBytes());
        assertFalse(entries.get(0).huge());
        assertTrue(entries.get(1).huge());
        assertEquals(2L << 20, entries.get(1).kernelPageSizeBytes());
        assertEquals(Map.of(3, 4L), entries.get(1).pagesPerNode());
    }

    @Test
    void countsOnlyMappingsWhollyInsideTheRangeAndRefusesOnesThatReachOutside()
    {
        final List<NumaMaps.Entry> entries = NumaMaps.parse(List.of(
            "7f0000000000 bind:0 anon=512 N0=512 kernelpagesize_kB=4",
            "7f0000200000 bind:1 anon=1024 N1=1000 N0=24 kernelpagesize_kB=4",
            "7f0000800000 default anon=1 N0=1 kernelpagesize_kB=4"));
        final Map<Long, Long> ends = NumaMaps.mappingEnds(List.of(
            "7f0000000000-7f0000200000 rw-p 00000000 00:00 0",
            "7f0000200000-7f0000600000 rw-p 00000000 00:00 0 ",
            "7f0000800000-7f0000801000 rw-p 00000000 00:00 0                          [heap]"));
        assertEquals(0x7f0000600000L, ends.get(0x7f0000200000L));

        assertEquals(Map.of(0, 512L), NumaMaps.pagesPerNode(entries, ends, 0x7f0000000000L, 2L << 20));
        assertEquals(Map.of(0, 536L, 1, 1000L), NumaMaps.pagesPerNode(entries, ends, 0x7f0000000000L, 6L << 20));
        assertEquals(Map.of(), NumaMaps.pagesPerNode(entries, ends, 0x7f0000600000L, 2L << 20), "a hole");
        // the second half of a merged mapping: numa_maps cannot say how many of its pages are there
        final IllegalStateException inside = assertThrows(IllegalStateException.class,
            () -> NumaMaps.pagesPerNode(entries, ends, 0x7f0000400000L, 2L << 20));
        assertTrue(inside.getMessage().contains("[0x7f0000200000, 0x7f0000600000)"), inside.getMessage());
        // the first part of one
        assertThrows(IllegalStateException.class,
            () -> NumaMaps.pagesPerNode(entries, ends, 0x7f0000200000L, 2L << 20));
    }
}
