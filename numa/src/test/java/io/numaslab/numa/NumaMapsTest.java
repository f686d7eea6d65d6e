package io.numaslab.numa;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
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
}
