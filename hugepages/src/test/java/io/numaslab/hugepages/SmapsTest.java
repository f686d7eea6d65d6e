package io.numaslab.hugepages;

import io.numaslab.numa.KernelFiles;
import io.numaslab.numa.RawNameMapping;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
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

    @Test
    void oneSnapshotAnswersForManyRanges()
    {
        final SmapsSnapshot snapshot = Smaps.parse(SMAPS);
        assertEquals(new RegionBacking(4096, 4L << 20, 2L << 20, 0), snapshot.backingOf(0x7f0000000000L, 4L << 20));
        assertEquals(new RegionBacking(2L << 20, 0, 0, 4L << 20), snapshot.backingOf(0x7f0000400000L, 4L << 20));
        assertEquals(new RegionBacking(2L << 20, 2L << 20, 1L << 20, 2L << 20),
            snapshot.backingOf(0x7f0000200000L, 4L << 20), "half of each");
        assertEquals(new RegionBacking(0, 0, 0, 0), snapshot.backingOf(0x7f0000800000L, 4L << 20), "after both");
        assertEquals(new RegionBacking(0, 0, 0, 0), snapshot.backingOf(0x7eff00000000L, 4L << 20), "before both");
        assertEquals(new RegionBacking(0, 0, 0, 0), Smaps.parse(List.of()).backingOf(0x7f0000000000L, 4096));
    }

    @Test
    void mappingsOutOfOrderOrAboveTheSignedRangeAreFound()
    {
        final List<String> lines = new ArrayList<>(SMAPS.subList(6, SMAPS.size()));
        lines.addAll(SMAPS.subList(0, 6));
        lines.addAll(List.of(
            "ffffffffff600000-ffffffffff601000 --xp 00000000 00:00 0                  [vsyscall]",
            "Size:                  4 kB",
            "KernelPageSize:        4 kB",
            "Rss:                   4 kB"));
        final SmapsSnapshot snapshot = Smaps.parse(lines);
        assertEquals(new RegionBacking(4096, 4L << 20, 2L << 20, 0), snapshot.backingOf(0x7f0000000000L, 4L << 20));
        assertEquals(new RegionBacking(2L << 20, 0, 0, 4L << 20), snapshot.backingOf(0x7f0000400000L, 4L << 20));
        assertEquals(new RegionBacking(4096, 4096, 0, 0), snapshot.backingOf(0xffffffffff600000L, 4096));
    }

    @Test
    void aSnapshotOfThisProcessSumsAsAScanOfTheFileDoes()
    {
        assumeTrue(Files.isReadable(Smaps.SELF), "needs /proc/self/smaps");
        final List<String> lines;
        try
        {
            lines = KernelFiles.readLines(Smaps.SELF);
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
        final SmapsSnapshot snapshot = Smaps.parse(lines);
        final List<long[]> mappings = new ArrayList<>();
        for (final String line : lines)
        {
            final int dash = line.indexOf('-');
            final int space = line.indexOf(' ');
            if (dash > 0 && space > dash && !line.substring(0, dash).contains(":"))
            {
                mappings.add(new long[] {Long.parseUnsignedLong(line.substring(0, dash), 16),
                    Long.parseUnsignedLong(line.substring(dash + 1, space), 16)});
            }
        }
        assertTrue(mappings.size() > 10, "a JVM has many mappings: " + mappings.size());
        final SplittableRandom random = new SplittableRandom(42);
        for (final long[] mapping : mappings)
        {
            final long length = mapping[1] - mapping[0];
            final long[][] ranges = {
                {mapping[0], length}, // the mapping
                {mapping[0] + length / 2, length}, // its second half and what follows
                {mapping[0] - 4096, length + 8192}, // it and a page either side
                {mapping[0], 0}, // nothing
                {mapping[0] + random.nextLong(Math.max(1, length)), 1 + random.nextLong(64L << 20)},
            };
            for (final long[] range : ranges)
            {
                assertEquals(scanned(lines, range[0], range[1]), snapshot.backingOf(range[0], range[1]),
                    "0x" + Long.toHexString(range[0]) + " + " + range[1]);
            }
        }
    }

    /** The scan of every line that {@link Smaps#backingOf(List, long, long)} was before snapshots, for reference. */
    private static RegionBacking scanned(final List<String> lines, final long address, final long lengthBytes)
    {
        final long end = address + lengthBytes;
        boolean inRange = false;
        double share = 0;
        long pageSize = 0;
        long rss = 0;
        long anonHuge = 0;
        long hugetlb = 0;
        for (final String line : lines)
        {
            final int colon = line.indexOf(':');
            final int dash = line.indexOf('-');
            if (dash > 0 && (colon < 0 || dash < colon) && line.substring(0, dash).matches("[0-9a-fA-F]+"))
            {
                final int space = line.indexOf(' ');
                final long start = Long.parseUnsignedLong(line.substring(0, dash), 16);
                final long stop = Long.parseUnsignedLong(line.substring(dash + 1, space), 16);
                inRange = Long.compareUnsigned(start, end) < 0 && Long.compareUnsigned(stop, address) > 0;
                if (inRange)
                {
                    share = (Math.min(stop, end) - Math.max(start, address)) / (double)(stop - start);
                }
                continue;
            }
            if (!inRange || colon < 0)
            {
                continue;
            }
            switch (line.substring(0, colon))
            {
                case "KernelPageSize" -> pageSize = Math.max(pageSize, kilobytes(line, colon));
                case "Rss" -> rss += Math.round(kilobytes(line, colon) * share);
                case "AnonHugePages" -> anonHuge += Math.round(kilobytes(line, colon) * share);
                case "Private_Hugetlb", "Shared_Hugetlb" -> hugetlb += Math.round(kilobytes(line, colon) * share);
                default ->
                {
                }
            }
        }
        return new RegionBacking(pageSize, rss, anonHuge, hugetlb);
    }

    private static long kilobytes(final String line, final int colon)
    {
        final String value = line.substring(colon + 1).trim();
        final int space = value.indexOf(' ');
        return Long.parseLong(space < 0 ? value : value.substring(0, space)) * 1024;
    }
}
