package io.numaslab.slab;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ChunkTest
{
    private static final long BASE = FakeChunkSource.FIRST_BASE_ADDRESS;
    private static final int PAGE = Chunk.PAGE_SIZE_BYTES;

    private final SizeClasses classes = SizeClasses.forChunkSize(Chunk.DEFAULT_SIZE_BYTES);
    private final Chunk chunk = new Chunk(null, BASE, Chunk.DEFAULT_SIZE_BYTES);

    @Test
    void aDefaultChunkHas32PagesAllFree()
    {
        assertEquals(32, chunk.pageCount());
        assertEquals(32, chunk.freePageCount());
        assertTrue(chunk.isEmpty());
        chunk.verifyPageMap();
    }

    @Test
    void slabsAndRunsTakeTheLowestFreePages()
    {
        final Slab slab = chunk.carveSlab(SizeClasses.classIndexOf(48), classes);
        final long run = chunk.carveRun(3);
        assertEquals(BASE, slab.baseAddress);
        assertEquals(BASE + PAGE, run);
        assertEquals(28, chunk.freePageCount());
        chunk.verifyPageMap();
    }

    @Test
    void everyPageOfARunKnowsItsFirstPage()
    {
        chunk.carveRun(2);
        final long run = chunk.carveRun(4);
        final int first = chunk.pageIndexOf(run);
        for (int page = first; page < first + 4; page++)
        {
            assertEquals(Chunk.PAGE_RUN, chunk.pageKind(page));
            assertEquals(first, chunk.runFirstPage(page));
            assertEquals(4, chunk.runPageCount(page));
        }
        assertEquals(Chunk.PAGE_FREE, chunk.pageKind(first + 4));
    }

    @Test
    void everyPageOfASlabLeadsToTheSameSlab()
    {
        final int c = SizeClasses.classIndexOf(53248);
        final Slab slab = chunk.carveSlab(c, classes);
        for (int page = 0; page < classes.slabPages(c); page++)
        {
            assertEquals(Chunk.PAGE_SLAB, chunk.pageKind(page));
            assertSame(slab, chunk.slabAt(page));
        }
    }

    @Test
    void releasedNeighbouringRunsMergeIntoOneFreeStretch()
    {
        final long a = chunk.carveRun(10);
        final long b = chunk.carveRun(10);
        chunk.carveRun(12);
        assertEquals(0, chunk.carveRun(1));
        chunk.releaseRun(chunk.pageIndexOf(a));
        chunk.releaseRun(chunk.pageIndexOf(b));
        assertEquals(a, chunk.carveRun(20));
        chunk.verifyPageMap();
    }

    @Test
    void aRunLongerThanAnyFreeStretchIsRefusedEvenIfEnoughPagesAreFree()
    {
        final long[] runs = new long[32];
        for (int i = 0; i < 32; i++)
        {
            runs[i] = chunk.carveRun(1);
        }
        for (int i = 0; i < 32; i += 2)
        {
            chunk.releaseRun(chunk.pageIndexOf(runs[i]));
        }
        assertEquals(16, chunk.freePageCount());
        assertEquals(0, chunk.carveRun(2));
        assertNull(chunk.carveSlab(SizeClasses.classIndexOf(53248), classes));
        assertFalse(chunk.hasFreeStretch(2));
    }

    @Test
    void aWholeChunkIsOneRun()
    {
        assertEquals(BASE, chunk.carveRun(32));
        assertEquals(0, chunk.freePageCount());
        chunk.releaseRun(0);
        assertTrue(chunk.isEmpty());
    }

    @Test
    void aSlabHandsOutEachSlotOnceLowestFirstAlignedToTheClassSize()
    {
        final int c = SizeClasses.classIndexOf(48);
        final Slab slab = chunk.carveSlab(c, classes);
        for (int slot = 0; slot < classes.slotsPerSlab(c); slot++)
        {
            final long address = slab.allocateSlot();
            assertEquals(BASE + slot * 48L, address);
            assertEquals(slot, slab.liveSlotIndexOf(address));
        }
        assertTrue(slab.isFull());
    }

    @Test
    void aFreedSlotIsTheNextHandedOut()
    {
        final Slab slab = chunk.carveSlab(SizeClasses.classIndexOf(16), classes);
        final Set<Long> addresses = new HashSet<>();
        for (int i = 0; i < 1000; i++)
        {
            addresses.add(slab.allocateSlot());
        }
        assertEquals(1000, addresses.size());
        slab.freeSlot(700);
        slab.freeSlot(300);
        assertEquals(BASE + 300 * 16, slab.allocateSlot());
        assertEquals(BASE + 700 * 16, slab.allocateSlot());
        assertEquals(BASE + 1000 * 16, slab.allocateSlot());
    }

    @Test
    void aReusedSlabForgetsItsPreviousClass()
    {
        final int big = SizeClasses.classIndexOf(16);
        final Slab slab = chunk.carveSlab(big, classes);
        final long first = slab.allocateSlot();
        slab.freeSlot(slab.liveSlotIndexOf(first));
        chunk.releaseRun(slab.firstPage);
        final Slab reused = chunk.carveSlab(SizeClasses.classIndexOf(65536), classes);
        assertSame(slab, reused);
        assertEquals(8, reused.slotCount);
        for (int slot = 0; slot < 8; slot++)
        {
            assertEquals(BASE + slot * 65536L, reused.allocateSlot());
        }
        assertTrue(reused.isFull());
        reused.verify();
    }

    @Test
    void onlyTheStartOfALiveSlotIsALiveSlot()
    {
        final Slab slab = chunk.carveSlab(SizeClasses.classIndexOf(48), classes);
        final long address = slab.allocateSlot();
        assertEquals(-1, slab.liveSlotIndexOf(address + 16), "interior");
        assertEquals(-1, slab.liveSlotIndexOf(address + 48), "never allocated");
        assertEquals(-1, slab.liveSlotIndexOf(BASE + 1365 * 48), "tail");
        assertNotNull(slab.problemWith(address + 16));
    }
}
