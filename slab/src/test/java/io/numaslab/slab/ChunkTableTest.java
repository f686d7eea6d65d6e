package io.numaslab.slab;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class ChunkTableTest
{
    private static final int CHUNK = Chunk.DEFAULT_SIZE_BYTES;
    private static final long BASE = FakeChunkSource.FIRST_BASE_ADDRESS;

    private final ChunkTable table = new ChunkTable(CHUNK);

    private static Chunk chunkAt(final long baseAddress)
    {
        return new Chunk(null, baseAddress, CHUNK);
    }

    @Test
    void everyAddressInsideARegisteredChunkFindsIt()
    {
        final Chunk chunk = chunkAt(BASE + 3L * CHUNK);
        table.register(chunk);
        assertSame(chunk, table.chunkOf(chunk.baseAddress()));
        assertSame(chunk, table.chunkOf(chunk.baseAddress() + 12345));
        assertSame(chunk, table.chunkOf(chunk.baseAddress() + CHUNK - 1));
    }

    @Test
    void addressesOutsideRegisteredChunksFindNothing()
    {
        final Chunk chunk = chunkAt(BASE + 3L * CHUNK);
        table.register(chunk);
        assertNull(table.chunkOf(chunk.baseAddress() - 1));
        assertNull(table.chunkOf(chunk.baseAddress() + CHUNK));
        assertNull(table.chunkOf(0));
        assertNull(table.chunkOf(-1));
    }

    @Test
    void unregisteringRemovesOnlyThatChunk()
    {
        final Chunk a = chunkAt(BASE);
        final Chunk b = chunkAt(BASE + CHUNK);
        table.register(a);
        table.register(b);
        table.unregister(a);
        assertNull(table.chunkOf(a.baseAddress()));
        assertSame(b, table.chunkOf(b.baseAddress()));
        assertEquals(1, table.size());
    }

    @Test
    void theSlabMapFindsACarvedSlabFromEveryPageItCoversAndNothingOnceReleased()
    {
        final SlabHeap heap = new SlabHeap(FakeChunkSource.unlimited(CHUNK), table, 0);
        final long address = heap.allocate(40_000); // a class whose slab spans several 64 KiB pages
        final Chunk chunk = table.chunkOf(address);
        final Slab slab = chunk.slabOf(address);
        final int pages = chunk.runPageCount(chunk.pageIndexOf(address));
        assertTrue(pages > 1, "a multi-page slab");
        for (int p = 0; p < pages; p++)
        {
            final long pageStart = slab.baseAddress + (long)p * Chunk.PAGE_SIZE_BYTES;
            assertSame(slab, table.slabOf(pageStart));
            assertSame(slab, table.slabOf(pageStart + Chunk.PAGE_SIZE_BYTES - 1));
        }
        assertNull(table.slabOf(slab.baseAddress + (long)pages * Chunk.PAGE_SIZE_BYTES), "the page after the slab");
        heap.free(address);
        assertNull(table.slabOf(address), "the slab was retired: its pages are no slab's");
        assertEquals(-1, slab.slotIndexOf(address), "a released slab claims no address");
    }

    @Test
    void theSlabMapAnswersNothingForAddressesBeyondUserSpace()
    {
        assertNull(table.slabOf(-1L));
        assertNull(table.slabOf(1L << 48));
        assertNull(table.slabOf(Long.MIN_VALUE));
        assertNull(table.slabOf(0));
        assertThrows(IllegalStateException.class, () -> table.register(chunkAt(1L << 48)));
    }

    @Test
    void registeringTheSameMemoryTwiceIsRefused()
    {
        table.register(chunkAt(BASE));
        assertThrows(IllegalStateException.class, () -> table.register(chunkAt(BASE)));
    }

    @Test
    void unregisteringAnUnknownChunkIsRefused()
    {
        assertThrows(IllegalStateException.class, () -> table.unregister(chunkAt(BASE)));
    }

    @Test
    void chunksOfAnotherSizeAreRefused()
    {
        assertThrows(IllegalStateException.class, () -> table.register(new Chunk(null, BASE, CHUNK * 2)));
    }

    @Test
    void thousandsOfChunksAreAllFound()
    {
        final Chunk[] chunks = new Chunk[5000];
        for (int i = 0; i < chunks.length; i++)
        {
            chunks[i] = chunkAt(BASE + (long)i * 7 * CHUNK); // spaced out, as chunks of several heaps would be
            table.register(chunks[i]);
        }
        for (final Chunk chunk : chunks)
        {
            assertSame(chunk, table.chunkOf(chunk.baseAddress() + CHUNK / 2));
            assertNull(table.chunkOf(chunk.baseAddress() + CHUNK));
        }
        assertEquals(chunks.length, table.size());
    }

    @Test
    void readersOnOtherThreadsNeverSeeAWrongChunk() throws InterruptedException
    {
        final Chunk stable = chunkAt(BASE);
        table.register(stable);
        final AtomicReference<String> failure = new AtomicReference<>();
        final Thread reader = new Thread(() ->
        {
            for (int i = 0; i < 2_000_000 && failure.get() == null; i++)
            {
                final long address = BASE + (long)(i % 64) * CHUNK + 100;
                final Chunk found = table.chunkOf(address);
                if (found != null && !found.contains(address) || (i % 64 == 0 && found != stable))
                {
                    failure.set("chunkOf(0x" + Long.toHexString(address) + ") returned " + found);
                }
            }
        });
        reader.start();
        for (int round = 0; round < 200; round++)
        {
            final Chunk[] churn = new Chunk[63];
            for (int i = 0; i < churn.length; i++)
            {
                churn[i] = chunkAt(BASE + (long)(i + 1) * CHUNK);
                table.register(churn[i]);
            }
            for (final Chunk chunk : churn)
            {
                table.unregister(chunk);
            }
        }
        reader.join();
        assertNull(failure.get());
    }
}
