package io.numaslab.numa;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

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
    void policiesTheKernelNamesInTwoWordsAreReadWhole()
    {
        final List<NumaMaps.Entry> entries = NumaMaps.parse(List.of(
            "7f0000000000 prefer (many):0-1 anon=4 N0=4 kernelpagesize_kB=4",
            "7f0000200000 weighted interleave:0-1 anon=4 N0=4",
            "7f0000400000 weighted interleave=static:0-1 anon=4 N0=2 N1=2 kernelpagesize_kB=4",
            "7f0000600000 prefer:1 anon=1 N1=1",
            "7f0000800000 interleave:0-1 heap anon=2 N0=1 N1=1"));

        assertEquals("prefer (many):0-1", entries.get(0).policy());
        assertEquals(Map.of(0, 4L), entries.get(0).pagesPerNode());
        assertEquals(4096, entries.get(0).kernelPageSizeBytes());
        assertEquals("weighted interleave:0-1", entries.get(1).policy());
        assertEquals("weighted interleave=static:0-1", entries.get(2).policy());
        assertEquals(Map.of(0, 2L, 1, 2L), entries.get(2).pagesPerNode());
        assertEquals("prefer:1", entries.get(3).policy());
        assertEquals("interleave:0-1", entries.get(4).policy());
        assertEquals(Map.of(0, 1L, 1, 1L), entries.get(4).pagesPerNode());
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

    @Test
    void aMappingWhoseNameIsNotUtf8IsReadLikeAnyOther() throws IOException
    {
        assumeTrue(Files.isReadable(NumaMaps.SELF), "needs /proc/self/numa_maps");
        final long length = 1 << 16; // whole pages of any page size Linux has
        // The kernel prints a mapped file's name as it was given, here with a byte that is not UTF-8.
        try (RawNameMapping mapping = RawNameMapping.open(new byte[] {'n', 'u', 'm', 'a', (byte)0xff}, length))
        {
            final long address = mapping.address();
            final String maps = new String(Files.readAllBytes(Path.of("/proc/self/maps")), StandardCharsets.ISO_8859_1);
            assertTrue(maps.contains("/memfd:numa\u00ff"), "the name is there raw");

            assertTrue(NumaMaps.readSelf().stream().anyMatch(e -> e.startAddress() == address));
            final Map<Integer, Long> pages = NumaMaps.pagesPerNode(address, length);
            assertEquals(1L, pages.values().stream().mapToLong(Long::longValue).sum(), "the one page touched");
        }
    }
}
