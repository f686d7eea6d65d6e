package io.numaslab.hugepages;

import io.numaslab.numa.RawNameMapping;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class SmapsTest
{
    private static final List<String> SMAPS = List.of(
        "7f0000000000-7f0000400000 rw-p 00000000 00:00 0",
        "Size:               4096 kB",
        "KernelPageSize:        4 kB",
        "Rss:                4096 kB",
        "AnonHugePages:      2048 kB",
        "Private_Hugetlb:       0 kB",
        "7f0000400000-7f0000800000 rw-p 00000000 00:0f 1234                      /anon_hugepage (deleted)",
        "Size:               4096 kB",
        "KernelPageSize:     2048 kB",
        "Rss:                   0 kB",
        "AnonHugePages:         0 kB",
        "Private_Hugetlb:    4096 kB",
        "Shared_Hugetlb:        0 kB");

    @Test
    void sumsOnlyTheMappingsOverlappingTheRange()
    {
        assertEquals(new RegionBacking(4096, 4L << 20, 2L << 20, 0), Smaps.backingOf(SMAPS, 0x7f0000000000L, 4L << 20));
        assertEquals(new RegionBacking(2L << 20, 0, 0, 4L << 20), Smaps.backingOf(SMAPS, 0x7f0000400000L, 4L << 20));
    }

    @Test
    void aMappingMergedWithItsNeighbourCountsOnlyItsShare()
    {
        // Two 4 MiB regions of 4 KiB pages mapped back to back: the kernel shows one 8 MiB mapping.
        final List<String> merged = List.of(
            "7f1000000000-7f1000800000 rw-p 00000000 00:00 0",
            "Size:               8192 kB",
            "KernelPageSize:        4 kB",
            "Rss:                8192 kB",
            "AnonHugePages:         0 kB");
        assertEquals(new RegionBacking(4096, 4L << 20, 0, 0), Smaps.backingOf(merged, 0x7f1000000000L, 4L << 20));
        assertEquals(new RegionBacking(4096, 4L << 20, 0, 0), Smaps.backingOf(merged, 0x7f1000400000L, 4L << 20));
        assertEquals(new RegionBacking(4096, 8L << 20, 0, 0), Smaps.backingOf(merged, 0x7f1000000000L, 8L << 20));
    }

    @Test
    void observedKindFollowsTheKernelsNumbers()
    {
        assertEquals(PageKind.THP, Smaps.backingOf(SMAPS, 0x7f0000000000L, 4096).observedKind());
        assertEquals(PageKind.HUGETLB_2M, Smaps.backingOf(SMAPS, 0x7f0000400000L, 4096).observedKind());
        assertEquals(PageKind.SMALL, new RegionBacking(4096, 4096, 0, 0).observedKind());
    }

    @Test
    void aMappingWhoseNameIsNotUtf8IsReadLikeAnyOther()
    {
        assumeTrue(Files.isReadable(Smaps.SELF), "needs /proc/self/smaps");
        final long length = 1 << 16; // whole pages of any page size Linux has
        // The kernel prints a mapped file's name as it was given, here with a byte that is not UTF-8.
        try (RawNameMapping mapping = RawNameMapping.open(new byte[] {'s', 'm', 'a', 'p', 's', (byte)0xff}, length))
        {
            assertEquals(PageKind.SMALL.pageSizeBytes(), Smaps.backingOf(mapping.address(), length).rssBytes(),
                "the one page touched");
        }
    }
}
