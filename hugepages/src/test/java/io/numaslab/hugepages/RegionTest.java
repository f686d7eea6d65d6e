package io.numaslab.hugepages;

import com.sun.jna.Pointer;
import io.numaslab.numa.Errno;
import io.numaslab.numa.HugePagePool;
import io.numaslab.numa.NumaException;
import io.numaslab.numa.NumaMaps;
import io.numaslab.numa.NumaTopology;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class RegionTest
{
    private static final long MIB = 1L << 20;

    @Test
    void twoMegHugetlbRegionIsBackedByTwoMegPagesOnNodeZero()
    {
        TestEnvironment.requireLinux();
        TestEnvironment.requireFree2MPages(0, 2);

        try (Region region = Region.builder(4 * MIB).node(0).pageKind(PageKind.HUGETLB_2M).fallback(false).map())
        {
            assertEquals(PageKind.HUGETLB_2M, region.pageKind());
            final RegionBacking backing = region.backing();
            assertEquals(2 * MIB, backing.kernelPageSizeBytes(), backing.toString());
            assertEquals(4 * MIB, backing.hugetlbBytes(), backing.toString());
            assertEquals(Map.of(0, 2L), region.pagesPerNode(), "move_pages: both 2 MiB pages on node 0");
            final NumaMaps.Entry entry = NumaMaps.readSelf().stream()
                .filter(e -> e.startAddress() == region.address()).findFirst().orElseThrow();
            assertTrue(entry.huge(), entry.toString());
            assertEquals(Map.of(0, 2L), entry.pagesPerNode(), "numa_maps: " + entry);
            assertEquals(0, region.address() % (2 * MIB));
        }
    }

    @Test
    void closingAndKeepingTheAddressesGivesTheHugePagesBackAndLeavesZeroPagesThere()
    {
        TestEnvironment.requireLinux();
        TestEnvironment.requireFree2MPages(0, 2);

        final long freeBefore = TestEnvironment.freeHugePages(0, HugePagePool.SIZE_2M);
        final Region region = Region.builder(4 * MIB).node(0).pageKind(PageKind.HUGETLB_2M).fallback(false).map();
        region.putLong(4 * MIB - 8, 0x5A5A5A5AL);
        final Pointer late = new Pointer(region.address());
        assertEquals(freeBefore - 2, TestEnvironment.freeHugePages(0, HugePagePool.SIZE_2M));
        region.closeKeepingAddresses();
        assertTrue(region.isClosed());
        assertThrows(IllegalStateException.class, () -> region.getLong(0), "closed, as after close()");
        assertEquals(freeBefore, TestEnvironment.freeHugePages(0, HugePagePool.SIZE_2M), "both pages back in the pool");
        assertEquals(0, late.getLong(4 * MIB - 8), "a zero page where the data was");
        late.setLong(0, 42); // what a late user of the address does: no crash
        assertEquals(42, late.getLong(0));
        region.closeKeepingAddresses(); // harmless twice
        region.close();
    }

    @Test
    void numaMapsCountsAWholeRegionAndRefusesHalfOfOne()
    {
        TestEnvironment.requireLinux();
        assumeTrue(Files.isReadable(NumaMaps.SELF), "needs /proc/self/numa_maps");

        try (Region region = Region.builder(8 * MIB).node(0).pageKind(PageKind.SMALL).fallback(false).map())
        {
            assertEquals(region.pagesPerNode(), NumaMaps.pagesPerNode(region.address(), region.sizeBytes()),
                "numa_maps and move_pages agree on the whole region");
            // one mapping, half of it asked for: numa_maps has one count for the whole mapping
            assertThrows(IllegalStateException.class,
                () -> NumaMaps.pagesPerNode(region.address() + 4 * MIB, 4 * MIB));
        }
    }

    @Test
    void thpRegionShowsAnonHugePages()
    {
        TestEnvironment.requireLinux();

        try (Region region = Region.builder(8 * MIB).node(0).pageKind(PageKind.THP).fallback(false).map())
        {
            assertEquals(PageKind.THP, region.pageKind());
            assertEquals(0, region.address() % (2 * MIB), "THP regions are 2 MiB aligned");
            final RegionBacking backing = region.backing();
            assertTrue(backing.anonHugePagesBytes() >= 2 * MIB, backing.toString());
            assertEquals(PageKind.THP, backing.observedKind());
        }
    }

    @Test
    void smallRegionStaysOnFourKilobytePages()
    {
        TestEnvironment.requireLinux();

        try (Region region = Region.builder(8 * MIB).node(0).pageKind(PageKind.SMALL).map())
        {
            final RegionBacking backing = region.backing();
            assertEquals(PageKind.SMALL.pageSizeBytes(), backing.kernelPageSizeBytes(),
                "getpagesize() and smaps agree");
            assertEquals(0, backing.anonHugePagesBytes(), backing.toString());
            assertEquals(8 * MIB, backing.rssBytes(), "prefaulted: every page resident");
            assertEquals(Map.of(0, 8 * MIB / PageKind.SMALL.pageSizeBytes()), region.pagesPerNode());
        }
    }

    @Test
    void oneGigRequestFallsBackWithReasonWhenNoneAreFree()
    {
        TestEnvironment.requireLinux();
        assumeTrue(TestEnvironment.freeHugePages(0, HugePagePool.SIZE_1G) == 0, "this machine has free 1 GiB pages");

        try (Region region = Region.map(4 * MIB, 0, PageKind.HUGETLB_1G))
        {
            assertNotEquals(PageKind.HUGETLB_1G, region.pageKind());
            assertEquals(PageKind.HUGETLB_1G, region.requestedPageKind());
            final String reason = region.fallbackReasons().get(0);
            assertTrue(reason.startsWith("HUGETLB_1G: "), reason);
            assertTrue(reason.contains("1 GiB"), reason);
        }
    }

    @Test
    void oneGigWithoutFallbackThrowsWithTheReason()
    {
        TestEnvironment.requireLinux();
        assumeTrue(TestEnvironment.freeHugePages(0, HugePagePool.SIZE_1G) == 0, "this machine has free 1 GiB pages");

        final RegionMappingException ex = assertThrows(RegionMappingException.class,
            () -> Region.builder(4 * MIB).node(0).pageKind(PageKind.HUGETLB_1G).fallback(false).map());

        assertEquals(1, ex.reasons().size());
        assertTrue(ex.getMessage().startsWith("cannot map 4 MiB on node 0 with HUGETLB_1G (fallback off): "), ex.getMessage());
    }

    @Test
    void requestBeyondTheFreePoolFallsBackToThp()
    {
        TestEnvironment.requireLinux();
        TestEnvironment.requireFree2MPages(0, 1);
        final long free = TestEnvironment.freeHugePages(0, HugePagePool.SIZE_2M);

        try (Region region = Region.map((free + 1) * 2 * MIB, 0, PageKind.HUGETLB_2M))
        {
            assertEquals(PageKind.THP, region.pageKind());
            assertTrue(region.fallbackReasons().get(0).contains("node 0 has " + free + " free 2 MiB pages (needs " +
                (free + 1)), region.fallbackReasons().toString());
        }
    }

    @Test
    void exhaustionFoundByTheKernelFallsBackInsteadOfSigbus()
    {
        TestEnvironment.requireLinux();
        TestEnvironment.requireFree2MPages(0, 1);
        final long free = TestEnvironment.freeHugePages(0, HugePagePool.SIZE_2M);

        // Skip numaslab's own check so that mmap's reservation or the prefault meets the empty pool.
        try (Region region = Region.builder((free + 1) * 2 * MIB).node(0).pageKind(PageKind.HUGETLB_2M)
            .checkFreePages(false).map())
        {
            assertEquals(PageKind.THP, region.pageKind());
            assertTrue(region.fallbackReasons().get(0).startsWith("HUGETLB_2M: "), region.fallbackReasons().toString());
        }
        assertEquals(free, TestEnvironment.freeHugePages(0, HugePagePool.SIZE_2M), "no huge page leaked");
    }

    @Test
    void regionIsAlignedAsAsked()
    {
        try (Region region = Region.builder(MIB).node(0).pageKind(PageKind.SMALL).alignmentBytes(4 * MIB).map())
        {
            assertEquals(0, region.address() % (4 * MIB));
            assertEquals(MIB, region.sizeBytes());
        }
    }

    @Test
    void smallPagesAreSizedAndTrimmedInTheOsPageWhereThatIsLargerThanFourKilobytes()
    {
        for (final long osPage : new long[] {16 * 1024, 64 * 1024})
        {
            final long page = Region.pageBytes(PageKind.SMALL, osPage);
            assertEquals(osPage, page, "SMALL is the OS's own page");
            final long length = (5000 + page - 1) & -page;
            final long align = Math.max(2 * MIB, page);
            final long reserved = 0x7f0000000000L + osPage; // page aligned, not 2 MiB aligned
            final Region.Placement placement = Region.placeInReservation(reserved, length, align);
            assertEquals(0, placement.address() % align);
            assertEquals(reserved + placement.headBytes(), placement.address());
            assertEquals(length + align, placement.headBytes() + length + placement.tailBytes(),
                "the whole reservation");
            // munmap answers EINVAL for an address that is not page aligned
            assertEquals(0, (placement.address() + length) % osPage, "the tail starts on a page");
            assertEquals(0, placement.tailBytes() % osPage);
            assertEquals(0, placement.headBytes() % osPage);
        }
        assertEquals(2 * MIB, Region.pageBytes(PageKind.THP, 64 * 1024));
        assertEquals(1L << 30, Region.pageBytes(PageKind.HUGETLB_1G, 16 * 1024));
    }

    @Test
    void anAlignedSmallRegionMapsAndClosesWhereTheOsPageIsLargerThanFourKilobytes()
    {
        assumeTrue(osPageBytes() > 4096, "this machine's pages are 4 KiB");

        try (Region region = Region.builder(5000).node(0).pageKind(PageKind.SMALL).fallback(false)
            .alignmentBytes(2 * MIB).map())
        {
            assertEquals(0, region.address() % (2 * MIB));
            assertEquals(osPageBytes(), region.sizeBytes());
            region.putLong(region.sizeBytes() - 8, 42);
            assertEquals(42, region.getLong(region.sizeBytes() - 8));
        }
    }

    @Test
    void aTrimThatFailsGivesBackTheMappingAndTheReservation() throws IOException
    {
        TestEnvironment.requireLinux();
        // a length off the page, as 4 KiB units were on a 16 KiB OS: munmap refuses the tail with EINVAL
        final long length = Mmap.PAGE_BYTES + 1000;

        final NumaException ex = assertThrows(NumaException.class, () -> Region.mapAligned(length, 2 * MIB,
            Mmap.MAP_PRIVATE | Mmap.MAP_ANONYMOUS, Mmap.PAGE_BYTES));

        assertEquals(Errno.EINVAL, ex.errno(), ex.getMessage());
        final long tail = Long.parseUnsignedLong(ex.call().substring("munmap(0x".length(), ex.call().indexOf(',')), 16);
        final long aligned = tail - length;
        for (final String line : Files.readAllLines(Path.of("/proc/self/maps"), StandardCharsets.ISO_8859_1))
        {
            final long start = Long.parseUnsignedLong(line.substring(0, line.indexOf('-')), 16);
            final long end = Long.parseUnsignedLong(line.substring(line.indexOf('-') + 1, line.indexOf(' ')), 16);
            assertFalse(Long.compareUnsigned(start, tail) < 0 && Long.compareUnsigned(end, aligned) > 0,
                "the mapping at 0x" + Long.toHexString(aligned) + " leaked: " + line);
        }
    }

    @Test
    void sizeIsRoundedUpToWholePages()
    {
        try (Region region = Region.builder(5000).node(0).pageKind(PageKind.SMALL).map())
        {
            assertEquals(8192, region.sizeBytes());
            assertEquals(5000, region.requestedSizeBytes());
        }
    }

    @Test
    void memoryReadsBackWhatWasWrittenAndBoundsAreChecked()
    {
        try (Region region = Region.builder(64 * 1024).node(0).pageKind(PageKind.SMALL).map())
        {
            region.putLong(0, 0x1122334455667788L);
            region.putLong(region.sizeBytes() - 8, -1L);
            assertEquals(0x1122334455667788L, region.getLong(0));
            assertEquals(-1L, region.getLong(region.sizeBytes() - 8));
            assertThrows(IndexOutOfBoundsException.class, () -> region.getLong(region.sizeBytes() - 4));
            assertThrows(IndexOutOfBoundsException.class, () -> region.putLong(-8, 1));
        }
    }

    @Test
    void closingTwiceIsHarmlessAndUseAfterCloseThrows()
    {
        final Region region = Region.builder(64 * 1024).node(0).pageKind(PageKind.SMALL).map();
        region.close();
        assertDoesNotThrow(region::close);
        assertTrue(region.isClosed());
        final IllegalStateException ex = assertThrows(IllegalStateException.class, region::address);
        assertTrue(ex.getMessage().endsWith("is closed"), ex.getMessage());
        assertThrows(IllegalStateException.class, () -> region.getLong(0));
        assertThrows(IllegalStateException.class, region::nodesOfPages);
        assertThrows(IllegalStateException.class, region::backing);
    }

    @Test
    void zeroOrNegativeSizeIsRejected()
    {
        assertEquals("sizeBytes must be positive, got 0",
            assertThrows(IllegalArgumentException.class, () -> Region.map(0, 0, PageKind.SMALL)).getMessage());
        assertThrows(IllegalArgumentException.class, () -> Region.map(-4096, 0, PageKind.SMALL));
    }

    @Test
    void nodeThatDoesNotExistIsRejectedNamingTheNodes()
    {
        final IllegalArgumentException ex = assertThrows(IllegalArgumentException.class,
            () -> Region.map(4096, 99, PageKind.SMALL));
        assertTrue(ex.getMessage().startsWith("node 99 does not exist; this machine has node(s) "), ex.getMessage());
    }

    /** A negative node used to mean the calling thread's node, silently. */
    @Test
    void negativeNodeIsRejectedNamingTheValue()
    {
        assertEquals("node must be 0 or more, got -5 (leave it unset for the calling thread's node)",
            assertThrows(IllegalArgumentException.class, () -> Region.builder(4096).node(-5)).getMessage());
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Region.map(4096, -2, PageKind.SMALL))
            .getMessage().startsWith("node must be 0 or more, got -2"));
        assertThrows(IllegalArgumentException.class, () -> Region.builder(4096).node(-1));
    }

    @Test
    void nodeWithoutMemoryIsRejected(@TempDir final Path sys) throws IOException
    {
        writeNode(sys, 0, "0", 1L << 20);
        writeNode(sys, 1, "1", 0);
        Files.writeString(sys.resolve("online"), "0-1\n");
        final NumaTopology topology = NumaTopology.read(sys, null, null);

        final IllegalArgumentException ex = assertThrows(IllegalArgumentException.class,
            () -> Region.builder(4096).node(1).pageKind(PageKind.SMALL).topology(topology).map());
        assertEquals("node 1 has no memory; nodes with memory: 0", ex.getMessage());
    }

    @Test
    void withoutANodeAMemorylessCurrentNodeGivesTheNearestNodeWithMemory(@TempDir final Path sys) throws IOException
    {
        writeNode(sys, 0, "0", 1L << 20, "10 20 30");
        writeNode(sys, 1, "1", 0, "20 10 30");
        writeNode(sys, 2, "2", 1L << 20, "30 30 10");
        Files.writeString(sys.resolve("online"), "0-2\n");
        final NumaTopology topology = NumaTopology.read(sys, null, null);

        assertEquals(0, Region.defaultNode(topology, 1), "node 0 is nearer node 1 than node 2 is");
        assertEquals(2, Region.defaultNode(topology, 2), "a node with memory is its own");
        assertEquals(0, Region.defaultNode(topology, -1), "no current node: the first");
    }

    @Test
    void withoutANodeTheNearestNodeByDistanceWinsOverTheLowestId(@TempDir final Path sys) throws IOException
    {
        writeNode(sys, 0, "0", 1L << 20, "10 30 30");
        writeNode(sys, 1, "1", 0, "30 10 20");
        writeNode(sys, 2, "2", 1L << 20, "30 20 10");
        Files.writeString(sys.resolve("online"), "0-2\n");

        assertEquals(2, Region.defaultNode(NumaTopology.read(sys, null, null), 1));
    }

    @Test
    void withoutANodeACurrentNodeOutsideTheCpusetGivesTheNearestAllowedOne(@TempDir final Path sys) throws IOException
    {
        writeNode(sys, 0, "0", 1L << 20, "10 20 30");
        writeNode(sys, 1, "1", 1L << 20, "20 10 30");
        writeNode(sys, 2, "2", 1L << 20, "30 30 10");
        Files.writeString(sys.resolve("online"), "0-2\n");

        assertEquals(2, Region.defaultNode(NumaTopology.read(sys, null, new int[] {2}), 0));
        assertEquals(1, Region.defaultNode(NumaTopology.read(sys, null, new int[] {1, 2}), 0));
        final IllegalArgumentException ex = assertThrows(IllegalArgumentException.class,
            () -> Region.defaultNode(NumaTopology.read(sys, null, new int[0]), 0));
        assertEquals("the calling thread's node 0 is outside this process's cpuset (Mems_allowed_list in " +
            "/proc/self/status), and no node with memory is inside it", ex.getMessage());
    }

    @Test
    void pageKindsFallBackFromLargestToSmallest()
    {
        assertEquals(PageKind.HUGETLB_2M, PageKind.HUGETLB_1G.fallback());
        assertEquals(PageKind.THP, PageKind.HUGETLB_2M.fallback());
        assertEquals(PageKind.SMALL, PageKind.THP.fallback());
        assertEquals(null, PageKind.SMALL.fallback());
        assertFalse(PageKind.THP.isHugetlb());
    }

    /** The kernel's page size, from the mapping of a SMALL region (not from what numaslab thinks it is). */
    private static long osPageBytes()
    {
        try (Region region = Region.builder(1).node(0).pageKind(PageKind.SMALL).map())
        {
            final long kernel = region.backing().kernelPageSizeBytes();
            return kernel > 0 ? kernel : PageKind.SMALL.pageSizeBytes();
        }
    }

    private static void writeNode(final Path sys, final int id, final String cpus, final long memKb) throws IOException
    {
        final Path dir = Files.createDirectories(sys.resolve("node" + id));
        Files.writeString(dir.resolve("cpulist"), cpus + "\n");
        Files.writeString(dir.resolve("meminfo"), "Node " + id + " MemTotal: " + memKb + " kB\nNode " + id + " MemFree: " + memKb + " kB\n");
    }

    private static void writeNode(final Path sys, final int id, final String cpus, final long memKb,
        final String distances) throws IOException
    {
        writeNode(sys, id, cpus, memKb);
        Files.writeString(sys.resolve("node" + id).resolve("distance"), distances + "\n");
    }
}
