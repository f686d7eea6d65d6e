package io.numaslab.allocator;

import io.numaslab.hugepages.PageKind;
import io.numaslab.hugepages.Region;
import io.numaslab.numa.HugePagePool;
import io.numaslab.numa.Numa;
import io.numaslab.numa.NumaTopology;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class RegionChunkSourceTest
{
    private static final int CHUNK_BYTES = 2 << 20;

    private static RegionChunkSource source(final long limitBytes, final AtomicLong otherMappedBytes)
    {
        return new RegionChunkSource(Math.max(0, Numa.currentNode()), PageKind.SMALL, CHUNK_BYTES, CHUNK_BYTES,
            limitBytes, otherMappedBytes::get);
    }

    @Test
    void bytesTheNodeMappedOutsideTheSourceCountAgainstTheLimit()
    {
        final AtomicLong large = new AtomicLong(3 << 20);
        final RegionChunkSource source = source(4 << 20, large);
        try
        {
            assertEquals(0, source.acquireChunk(), "3 MiB of 4 are mapped elsewhere: no room for a 2 MiB chunk");
            assertTrue(source.lastFailure().startsWith("limit reached: 3145728 of 4194304"), source.lastFailure());
            large.set(0);
            final long chunk = source.acquireChunk();
            assertNotEquals(0, chunk);
            assertEquals(CHUNK_BYTES, source.mappedBytes());
            source.releaseChunk(chunk);
        }
        finally
        {
            source.closeAll(false);
        }
    }

    @Test
    void aMappingThatSucceedsClearsTheLastFailure()
    {
        final RegionChunkSource source = source(4 << 20, new AtomicLong());
        try
        {
            final long first = source.acquireChunk();
            final long second = source.acquireChunk();
            assertNotEquals(0, first);
            assertNotEquals(0, second);
            assertEquals(0, source.acquireChunk(), "the limit is reached");
            assertTrue(source.lastFailure().startsWith("limit reached"), source.lastFailure());
            source.releaseChunk(first); // its one-chunk region is unmapped
            assertNotEquals(0, source.acquireChunk());
            assertNull(source.lastFailure(), "a failure that no longer holds must not explain a later one");
        }
        finally
        {
            source.closeAll(false);
        }
    }

    /**
     * JMX's PageKindFallbackReasons are the last region's: once a region maps as configured again, they are empty.
     * The first region stands for one mapped during a shortage: HUGETLB_1G where no 1 GiB page is free (off Linux,
     * where there are no huge pages at all) falls back to smaller pages and says why. The second stands for one mapped
     * as configured: SMALL pages, which never fall back.
     */
    @Test
    void fallbackReasonsAreThoseOfTheLastRegionMappedAndEmptyOnceOneMapsAsConfigured()
    {
        final int node = Math.max(0, Numa.currentNode());
        assumeTrue(NumaTopology.readHugePagePool(node, HugePagePool.SIZE_1G).map(p -> p.freePages() == 0).orElse(true),
            "needs a node without free 1 GiB pages, so that asking for one falls back (and maps no 1 GiB)");
        final List<Region> mapped = new ArrayList<>();
        final RegionChunkSource source = new RegionChunkSource(node, PageKind.SMALL, CHUNK_BYTES, CHUNK_BYTES,
            Long.MAX_VALUE, () -> 0, size ->
            {
                final Region region = Region.builder(size).node(node)
                    .pageKind(mapped.isEmpty() ? PageKind.HUGETLB_1G : PageKind.SMALL).alignmentBytes(CHUNK_BYTES).map();
                mapped.add(region);
                return region;
            });
        try
        {
            final long first = source.acquireChunk();
            assertNotEquals(0, first, source.lastFailure());
            assumeFalse(mapped.get(0).fallbackReasons().isEmpty(), "HUGETLB_1G was had: " + mapped.get(0));
            assertEquals(mapped.get(0).fallbackReasons(), source.fallbackReasons());

            final long second = source.acquireChunk();
            assertNotEquals(0, second, source.lastFailure());
            assertEquals(2, mapped.size(), "one chunk per region: the second chunk is a region of its own");
            assertEquals(PageKind.SMALL, source.lastPageKind());
            assertEquals(List.of(), source.fallbackReasons(), "the last region mapped fell back from nothing");
            source.releaseChunk(first);
            source.releaseChunk(second);
        }
        finally
        {
            source.closeAll(false);
        }
    }
}
