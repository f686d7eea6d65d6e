package io.numaslab.allocator;

import io.numaslab.hugepages.PageKind;
import io.numaslab.numa.Numa;
import org.junit.jupiter.api.Test;

import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
}
