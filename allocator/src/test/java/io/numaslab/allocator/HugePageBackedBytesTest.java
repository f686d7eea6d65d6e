package io.numaslab.allocator;

import io.numaslab.hugepages.PageKind;
import io.numaslab.hugepages.Region;
import io.numaslab.hugepages.Smaps;
import io.numaslab.hugepages.SmapsSnapshot;
import io.numaslab.numa.HugePagePool;
import io.numaslab.numa.KernelFiles;
import io.numaslab.numa.NumaTopology;
import io.numaslab.slab.Chunk;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** A node's HugePageBackedBytes: what it counts, and that one read of it reads smaps once at most. */
class HugePageBackedBytesTest
{
    private static final int LARGE_ALLOCATIONS = 8;
    private static final int LARGE_BYTES = 4 << 20; // two chunks: a region of its own

    private NumaAllocator allocator;

    @AfterEach
    void close()
    {
        if (allocator != null)
        {
            allocator.close();
        }
    }

    @Test
    void oneReadReadsSmapsOnceForAllTheNodesThpRegions()
    {
        final Node node = thpNode();
        final AtomicInteger reads = new AtomicInteger();
        final Supplier<SmapsSnapshot> countingReader = () ->
        {
            reads.incrementAndGet();
            return Smaps.read();
        };
        node.stats.hugePageBackedBytes(countingReader);
        assertEquals(1, reads.get(), "smaps read once for the chunks' region and " + LARGE_ALLOCATIONS +
            " regions of their own, all THP");
    }

    @Test
    void theFigureIsWhatSmapsShowsAsAnonHugePagesOfTheNodesThpRegions()
    {
        final Node node = thpNode();
        final List<long[]> regions = new ArrayList<>();
        final long chunkBase = node.small & -Chunk.DEFAULT_SIZE_BYTES;
        regions.add(new long[] {node.arena.chunkSource.mappingOf(chunkBase),
            node.arena.chunkSource.mappingSizeBytesOf(chunkBase)});
        assertEquals(regions.get(0)[1], node.arena.chunkSource.mappedBytes(), "the chunks' one region");
        for (final long large : node.large)
        {
            regions.add(new long[] {large, allocator.usableSize(large)});
        }
        // khugepaged may collapse pages while we read: compare with a reading of smaps that held still around it
        for (int attempt = 0; attempt < 20; attempt++)
        {
            final long before = anonHugePagesBytes(regions);
            final long figure = node.stats.getHugePageBackedBytes();
            final long after = anonHugePagesBytes(regions);
            if (before == after)
            {
                assertEquals(before, figure, "AnonHugePages of the node's THP regions, read from smaps by the test");
                // The kernel may back THP regions with 4 KiB pages alone (its defrag setting, memory too fragmented
                // for 2 MiB pages): then both readings are 0, and agree without showing that huge pages count.
                assumeTrue(figure > 0, () -> "the node's THP regions got no 2 MiB pages (AnonHugePages 0; THP defrag " +
                    "setting: " + thpDefrag() + "; or memory too fragmented), so the figure, though equal to " +
                    "smaps, was not tested on huge pages");
                return;
            }
        }
        fail("smaps never held still across a read of the figure");
    }

    /**
     * A THP region unmapped while smaps is read leaves its address free for a new mapping, whose huge pages the
     * snapshot may show there: the region is counted only if it is still open once the snapshot is taken.
     */
    @Test
    void aThpRegionClosedWhileSmapsIsReadIsNotCountedFromTheSnapshot()
    {
        assumeTrue(Files.isReadable(Smaps.SELF), "needs /proc/self/smaps (Linux)");
        try (Region region = Region.map(LARGE_BYTES, 0, PageKind.THP))
        {
            assumeTrue(region.pageKind() == PageKind.THP, "needs transparent huge pages, got " + region.pageKind());
            final long address = region.address();
            final HugePageTally tally = new HugePageTally(() ->
            {
                region.close();
                // what smaps may show of a new mapping at the address, all of it on huge pages
                return Smaps.parse(List.of(Long.toHexString(address) + "-" + Long.toHexString(address + LARGE_BYTES) +
                    " rw-p 00000000 00:00 0", "Rss: " + (LARGE_BYTES >> 10) + " kB",
                    "AnonHugePages: " + (LARGE_BYTES >> 10) + " kB", "KernelPageSize: 4 kB"));
            });
            assertThrows(IllegalStateException.class, () -> tally.bytesOf(region), "closed as smaps was read");
        }
    }

    /**
     * A read of smaps that fails with an IllegalStateException is not a region closed since it was listed: the
     * failure reaches the caller, rather than the figure silently leaving the region out.
     */
    @Test
    void aFailedReadOfSmapsIsNotTakenForAClosedRegion()
    {
        final Node node = thpNode();
        final Supplier<SmapsSnapshot> failing = () ->
        {
            throw new IllegalStateException("smaps unreadable");
        };
        final IllegalStateException chunks = assertThrows(IllegalStateException.class,
            () -> new HugePageTally(failing).bytesOfListed(node.arena.chunkSource.regions()), "the chunks' region");
        assertEquals("smaps unreadable", chunks.getMessage());
        final IllegalStateException large = assertThrows(IllegalStateException.class,
            () -> new HugePageTally(failing).bytesOfListed(allocator.largeRegionsOf(node.arena)),
            "regions of their own");
        assertEquals("smaps unreadable", large.getMessage());
    }

    /**
     * A region of its own mapped after smaps was read, at an address whose huge pages the snapshot shows (those of a
     * mapping unmapped before), is not counted from the snapshot: every region is listed before smaps is read.
     */
    @Test
    void aRegionOfItsOwnAllocatedWhileSmapsIsReadIsNotCountedFromTheSnapshot()
    {
        final Node node = thpNode();
        final long[] allocated = new long[1];
        final long bytes = node.stats.hugePageBackedBytes(() ->
        {
            allocated[0] = allocator.allocate(LARGE_BYTES);
            final long end = allocated[0] + allocator.usableSize(allocated[0]);
            // what smaps may show there: a mapping all on huge pages, unmapped since; nothing else mapped
            return Smaps.parse(List.of(Long.toHexString(allocated[0]) + "-" + Long.toHexString(end) +
                " rw-p 00000000 00:00 0", "Rss: " + (LARGE_BYTES >> 10) + " kB",
                "AnonHugePages: " + (LARGE_BYTES >> 10) + " kB", "KernelPageSize: 4 kB"));
        });
        assertEquals(0, bytes, "none of the node's regions listed is backed in the snapshot, and the one mapped " +
            "after it is not counted");
        allocator.free(allocated[0]);
    }

    @Test
    void hugetlbRegionsCountWholeAndReadNoSmaps()
    {
        final NumaAllocator a = NumaAllocator.builder().jmx(false).pageKind(PageKind.HUGETLB_2M).build();
        allocator = a;
        final int node = a.nodeOfCurrentThread();
        final long free2M = NumaTopology.read().node(node).hugePagePools().stream()
            .filter(pool -> pool.pageSizeBytes() == HugePagePool.SIZE_2M).mapToLong(HugePagePool::freePages).sum();
        assumeTrue(free2M >= 1 + 2 * 2, "needs five free 2 MiB pages on node " + node + ", has " + free2M);
        a.allocate(64);
        a.allocate(LARGE_BYTES);
        a.allocate(LARGE_BYTES);
        final NodeArenaStats stats = (NodeArenaStats)a.nodeStats(node);
        assumeTrue("HUGETLB_2M".equals(stats.getPageKind()), "chunks on 2 MiB pages, got " + stats.getPageKind());
        final AtomicInteger reads = new AtomicInteger();
        final long bytes = stats.hugePageBackedBytes(() ->
        {
            reads.incrementAndGet();
            return Smaps.read();
        });
        assertEquals(stats.getReservedBytes(), bytes, "every region on 2 MiB pages: all of it");
        assertEquals(0, reads.get(), "hugetlb regions are huge pages whole, without smaps");
    }

    /** @return the kernel's THP defrag setting, for a message. */
    private static String thpDefrag()
    {
        try
        {
            return Files.readString(Paths.get("/sys/kernel/mm/transparent_hugepage/defrag")).trim();
        }
        catch (final IOException ex)
        {
            return "unreadable (" + ex + ")";
        }
    }

    /** An allocator on THP with one chunk region and regions of their own on the current thread's node. */
    private Node thpNode()
    {
        assumeTrue(Files.isReadable(Smaps.SELF), "needs /proc/self/smaps (Linux)");
        final NumaAllocator a = NumaAllocator.builder().jmx(false).pageKind(PageKind.THP).build();
        allocator = a;
        final int nodeId = a.nodeOfCurrentThread();
        final long small = a.allocate(64);
        final NodeArenaStats stats = (NodeArenaStats)a.nodeStats(nodeId);
        assumeTrue("THP".equals(stats.getPageKind()), "needs transparent huge pages (THP enabled [always] or " +
            "[madvise]); the node's regions are " + stats.getPageKind() + ": " + stats.getPageKindFallbackReasons());
        final long[] large = new long[LARGE_ALLOCATIONS];
        for (int i = 0; i < large.length; i++)
        {
            large[i] = a.allocate(LARGE_BYTES);
        }
        NodeArena arena = null;
        for (final NodeArena candidate : a.arenas())
        {
            arena = candidate.node == nodeId ? candidate : arena;
        }
        return new Node(stats, arena, small, large);
    }

    /**
     * @return the AnonHugePages of the regions, from a reading of smaps here: of each mapping that overlaps a region,
     *     the region's share (the kernel may merge regions mapped back to back into one mapping).
     */
    private static long anonHugePagesBytes(final List<long[]> regions)
    {
        final List<String> lines;
        try
        {
            lines = KernelFiles.readLines(Smaps.SELF);
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
        long total = 0;
        for (final long[] region : regions)
        {
            final long end = region[0] + region[1];
            long start = -1;
            long stop = -1;
            for (final String line : lines)
            {
                final String[] fields = line.split("\\s+");
                if (fields[0].matches("[0-9a-f]+-[0-9a-f]+"))
                {
                    final int dash = fields[0].indexOf('-');
                    start = Long.parseUnsignedLong(fields[0].substring(0, dash), 16);
                    stop = Long.parseUnsignedLong(fields[0].substring(dash + 1), 16);
                }
                else if ("AnonHugePages:".equals(fields[0]) && start < end && stop > region[0])
                {
                    final long overlap = Math.min(stop, end) - Math.max(start, region[0]);
                    total += Math.round(Long.parseLong(fields[1]) * 1024 * (overlap / (double)(stop - start)));
                }
            }
        }
        return total;
    }

    private record Node(NodeArenaStats stats, NodeArena arena, long small, long[] large)
    {
    }
}
