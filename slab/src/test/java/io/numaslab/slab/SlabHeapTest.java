package io.numaslab.slab;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class SlabHeapTest
{
    private static final int CHUNK = Chunk.DEFAULT_SIZE_BYTES;
    private static final int PAGE = Chunk.PAGE_SIZE_BYTES;

    private final FakeChunkSource source = FakeChunkSource.unlimited(CHUNK);
    private final ChunkTable table = new ChunkTable(CHUNK);
    private final SlabHeap heap = new SlabHeap(source, table, 1);

    @Test
    void anEmptyHeapHoldsNoChunks()
    {
        assertEquals(0, heap.chunkCount());
        assertEquals(0, heap.reservedBytes());
        assertEquals(0, source.acquires);
    }

    @Test
    void theFirstAllocationAcquiresAChunkAndRegistersIt()
    {
        final long address = heap.allocate(100);
        assertEquals(1, heap.chunkAcquires());
        assertEquals(CHUNK, heap.reservedBytes());
        final Chunk chunk = table.chunkOf(address);
        assertSame(heap, chunk.heap());
        assertTrue(chunk.contains(address));
    }

    @Test
    void slotsAreAlignedToTheirClassSizeWithinTheirSlab()
    {
        for (final int size : new int[] {1, 16, 17, 48, 100, 144, 1000, 4096, 5000, 40000, 65536})
        {
            final int classSize = SizeClasses.sizeOfClass(SizeClasses.classIndexOf(size));
            for (int i = 0; i < 50; i++)
            {
                final long address = heap.allocate(size);
                final Chunk chunk = table.chunkOf(address);
                final Slab slab = chunk.slabAt(chunk.pageIndexOf(address));
                assertEquals(0, (address - slab.baseAddress) % classSize, "size " + size);
                assertEquals(0, address % SizeClasses.QUANTUM_BYTES, "size " + size);
                if (Integer.bitCount(classSize) == 1)
                {
                    assertEquals(0, address % classSize, "power-of-two class " + classSize);
                }
            }
        }
        heap.verifyInvariants();
    }

    @Test
    void liveAllocationsNeverOverlap()
    {
        final TreeMap<Long, Long> live = new TreeMap<>();
        for (int i = 0; i < 3000; i++)
        {
            final int size = 1 + (i * 7919) % 20000;
            final long address = heap.allocate(size);
            final long end = address + heap.usableSize(address);
            final Long before = live.floorKey(address);
            final Long after = live.ceilingKey(address);
            assertTrue(before == null || live.get(before) <= address, "overlaps the allocation before");
            assertTrue(after == null || end <= after, "overlaps the allocation after");
            live.put(address, end);
        }
    }

    @Test
    void usableSizeIsTheClassSize()
    {
        assertEquals(16, heap.usableSize(heap.allocate(1)));
        assertEquals(48, heap.usableSize(heap.allocate(33)));
        assertEquals(144, heap.usableSize(heap.allocate(129)));
        assertEquals(65536, heap.usableSize(heap.allocate(61441)));
    }

    @Test
    void sizesAbove64KiBGetPageAlignedRunsOfWholePages()
    {
        final long address = heap.allocate(PAGE + 1);
        assertEquals(0, address % PAGE);
        assertEquals(2 * PAGE, heap.usableSize(address));
        assertEquals(2L * PAGE, heap.usedBytes());
        final long bigger = heap.allocate(10 * PAGE);
        assertEquals(10 * PAGE, heap.usableSize(bigger));
        heap.verifyInvariants();
    }

    @Test
    void aWholeChunkCanBeOneAllocation()
    {
        final long address = heap.allocate(CHUNK);
        assertEquals(CHUNK, heap.usableSize(address));
        assertEquals(FakeChunkSource.FIRST_BASE_ADDRESS, address);
        assertEquals(1, heap.chunkCount());
    }

    @Test
    void sizesAboveOneChunkAreRefusedNamingTheSizeAndTheMax()
    {
        final IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> heap.allocate(CHUNK + 1));
        assertTrue(e.getMessage().contains(Integer.toString(CHUNK + 1)), e.getMessage());
        assertTrue(e.getMessage().contains(Integer.toString(heap.maxAllocationBytes())), e.getMessage());
    }

    @Test
    void zeroAndNegativeSizesAreRefused()
    {
        assertThrows(IllegalArgumentException.class, () -> heap.allocate(0));
        assertThrows(IllegalArgumentException.class, () -> heap.allocate(-16));
        assertEquals(0, heap.chunkCount());
    }

    @Test
    void allocateReturnsZeroWhenTheSourceHasNoMoreChunks()
    {
        final SlabHeap limited = new SlabHeap(new FakeChunkSource(CHUNK, 1), table, 0);
        assertNotEquals(0, limited.allocate(CHUNK / 2));
        assertEquals(0, limited.allocate(CHUNK));
        long small;
        int count = 0;
        while ((small = limited.allocate(SizeClasses.MAX_SMALL_SIZE_BYTES)) != 0)
        {
            count++;
            assertTrue(table.chunkOf(small).contains(small));
        }
        assertEquals(16, count, "the other half of the chunk, one 64 KiB slot per page");
        limited.verifyInvariants();
    }

    @Test
    void aChunkEmptiedBeyondTheRetainedLimitGoesBackToTheSource()
    {
        final SlabHeap keepsNone = new SlabHeap(source, table, 0);
        final long address = keepsNone.allocate(100);
        keepsNone.free(address);
        assertEquals(1, source.releases);
        assertEquals(0, source.outstandingChunks());
        assertEquals(0, keepsNone.chunkCount());
        assertEquals(null, table.chunkOf(address));
    }

    @Test
    void emptyChunksUpToTheRetainedLimitAreKeptAndReused()
    {
        final SlabHeap keepsTwo = new SlabHeap(source, table, 2);
        final List<Long> runs = new ArrayList<>();
        for (int i = 0; i < 3; i++)
        {
            runs.add(keepsTwo.allocate(CHUNK)); // one chunk each
        }
        for (final long run : runs)
        {
            keepsTwo.free(run);
        }
        assertEquals(2, keepsTwo.chunkCount());
        assertEquals(1, keepsTwo.chunkReleases());
        keepsTwo.allocate(CHUNK);
        keepsTwo.allocate(CHUNK);
        assertEquals(3, keepsTwo.chunkAcquires(), "the kept chunks served both");
        keepsTwo.verifyInvariants();
    }

    @Test
    void aHeapThatReleasesLaterKeepsSurplusChunksForOneWholePeriod()
    {
        final SlabHeap later = new SlabHeap(source, table, 1, true);
        final List<Long> runs = new ArrayList<>();
        for (int i = 0; i < 3; i++)
        {
            runs.add(later.allocate(CHUNK)); // one chunk each
        }
        for (final long run : runs)
        {
            later.free(run);
        }
        assertEquals(3, later.chunkCount(), "nothing released on free");
        assertEquals(0, source.releases);
        later.verifyInvariants();

        assertEquals(0, later.releaseIdleEmptyChunks(), "emptied since the previous pass (there was none)");
        assertEquals(3, later.chunkCount());
        final long reused = later.allocate(CHUNK);
        later.free(reused); // one chunk is emptied again after the pass: it starts its period anew
        assertEquals(2, later.releaseIdleEmptyChunks(), "the two that stayed empty for a whole period go");
        assertEquals(1, later.chunkCount());
        assertEquals(2, source.releases);
        assertTrue(table.chunkOf(reused) != null, "the chunk emptied within the period is the one retained");
        later.verifyInvariants();
        assertEquals(0, later.releaseIdleEmptyChunks(), "the retained chunk stays");
        assertEquals(0, later.releaseIdleEmptyChunks());
        assertEquals(1, later.chunkCount());
        later.verifyInvariants();
    }

    @Test
    void releaseEmptyChunksGivesBackTheSurplusAtOnce()
    {
        final SlabHeap later = new SlabHeap(source, table, 1, true);
        final long a = later.allocate(CHUNK);
        final long b = later.allocate(CHUNK);
        final long c = later.allocate(100);
        later.free(a);
        later.free(b);
        assertEquals(3, later.chunkCount());
        assertEquals(1, later.releaseEmptyChunks(), "one of the two empty chunks is retained");
        assertEquals(2, later.chunkCount());
        assertTrue(later.usableSize(c) >= 100, "the chunk in use is kept");
        later.free(c);
        assertEquals(1, later.releaseEmptyChunks());
        assertEquals(1, later.chunkCount());
        assertEquals(2, source.releases);
        later.verifyInvariants();
    }

    /** Allocates {@code count} whole chunks from a heap that releases later, in address order. */
    private List<Long> wholeChunks(final SlabHeap later, final int count)
    {
        final List<Long> runs = new ArrayList<>();
        for (int i = 0; i < count; i++)
        {
            runs.add(later.allocate(CHUNK));
        }
        return runs;
    }

    @Test
    void retainedChunksAreKeptInAMappingThatAChunkInUseKeepsMappedAnyway()
    {
        source.chunksPerMapping = 4;
        final SlabHeap later = new SlabHeap(source, table, 2, true);
        final List<Long> runs = wholeChunks(later, 8); // mappings: chunks 0-3 and 4-7
        for (int i = 0; i < runs.size(); i++)
        {
            if (i != 1)
            {
                later.free(runs.get(i));
            }
        }
        assertEquals(5, later.releaseEmptyChunks());
        for (int i = 4; i < 8; i++)
        {
            assertFalse(source.holds(runs.get(i), CHUNK), "chunk " + i + ": its mapping has nothing in use, so it all goes");
        }
        assertTrue(source.holds(runs.get(1), CHUNK));
        assertEquals(3, later.chunkCount(), "the chunk in use and the two retained, all in the first mapping");
        later.verifyInvariants();
    }

    @Test
    void retainedChunksOfAnEmptyHeapAreKeptTogetherInOneMapping()
    {
        source.chunksPerMapping = 4;
        final SlabHeap later = new SlabHeap(source, table, 2, true);
        final List<Long> runs = wholeChunks(later, 5); // mappings: chunks 0-3, and 4 alone in a mapping of 4
        runs.forEach(later::free);
        assertEquals(3, later.releaseEmptyChunks());
        final Set<Long> mappingsKept = new HashSet<>();
        for (final long run : runs)
        {
            if (source.holds(run, CHUNK))
            {
                mappingsKept.add(source.mappingOf(run));
            }
        }
        assertEquals(Set.of(source.mappingOf(runs.get(0))), mappingsKept,
            "two chunks of the full mapping, not one of each mapping (which would keep both mapped)");
        later.verifyInvariants();
    }

    @Test
    void anEmptiedSlabGivesItsPagesBackToItsChunk()
    {
        final int c = SizeClasses.classIndexOf(16);
        final long[] slots = new long[heap.sizeClasses().slotsPerSlab(c)];
        assertEquals(slots.length, heap.allocateBatch(c, slots, 0, slots.length));
        final Chunk chunk = table.chunkOf(slots[0]);
        assertEquals(chunk.pageCount() - 1, chunk.freePageCount());
        for (final long slot : slots)
        {
            heap.free(slot);
        }
        assertEquals(chunk.pageCount(), chunk.freePageCount());
        assertEquals(0, heap.freeSlots(c));
        assertEquals(slots[0], heap.allocate(CHUNK), "the freed page is part of a whole-chunk run again");
    }

    @Test
    void countersFollowAllocationsAndFrees()
    {
        final int c = SizeClasses.classIndexOf(48);
        final int slotsPerSlab = heap.sizeClasses().slotsPerSlab(c);
        final long a = heap.allocate(48);
        final long b = heap.allocate(40);
        heap.allocate(3 * PAGE);
        assertEquals(2, heap.usedSlots(c));
        assertEquals(slotsPerSlab - 2, heap.freeSlots(c));
        assertEquals(2 * 48 + 3L * PAGE, heap.usedBytes());
        heap.free(a);
        assertEquals(1, heap.usedSlots(c));
        assertEquals(slotsPerSlab - 1, heap.freeSlots(c));
        heap.free(b);
        assertEquals(0, heap.usedSlots(c));
        assertEquals(0, heap.freeSlots(c), "the empty slab went back to the chunk");
        assertEquals(3L * PAGE, heap.usedBytes());
        heap.verifyInvariants();
    }

    @Test
    void aBatchFillsFromSeveralSlabs()
    {
        final int c = SizeClasses.classIndexOf(65536);
        final long[] out = new long[40];
        assertEquals(35, heap.allocateBatch(c, out, 5, 35));
        assertEquals(0, out[4]);
        for (int i = 5; i < 40; i++)
        {
            assertEquals(65536, heap.usableSize(out[i]));
        }
        assertEquals(35, heap.usedSlots(c));
        assertEquals(35L * 65536, heap.usedBytes());
        assertEquals(2, heap.chunkCount());
        heap.verifyInvariants();
    }

    @Test
    void aBatchCanTellTheSlabOfEachAddressAndSlotsFreedThroughTheirSlabAreChecked()
    {
        final int c = SizeClasses.classIndexOf(1000);
        final long[] out = new long[100];
        final Slab[] slabs = new Slab[100];
        assertEquals(100, heap.allocateBatch(c, out, slabs, 0, 100));
        for (int i = 0; i < out.length; i++)
        {
            assertSame(table.chunkOf(out[i]).slabOf(out[i]), slabs[i], "slab of address " + i);
        }
        final int slot = slabs[0].slotIndexOf(out[0]);
        heap.free(slabs[0], slot);
        assertThrows(InvalidFreeException.class, () -> heap.free(slabs[0], slot), "a slot freed twice");
        assertThrows(InvalidFreeException.class, () -> heap.free(slabs[1], -1));
        assertThrows(InvalidFreeException.class, () -> heap.free(slabs[1], slabs[1].slotCount));
        final SlabHeap other = new SlabHeap(FakeChunkSource.unlimited(CHUNK), table, 1);
        assertThrows(InvalidFreeException.class, () -> other.free(slabs[1], slabs[1].slotIndexOf(out[1])),
            "another heap's slab");
        for (int i = 1; i < out.length; i++)
        {
            heap.free(slabs[i], slabs[i].slotIndexOf(out[i]));
        }
        assertEquals(0, heap.usedSlots(c));
        heap.verifyInvariants();
    }

    @Test
    void aBatchIsShortWhenTheSourceRunsOut()
    {
        final SlabHeap limited = new SlabHeap(new FakeChunkSource(CHUNK, 1), table, 0);
        final int c = SizeClasses.classIndexOf(65536);
        final long[] out = new long[100];
        assertEquals(32, limited.allocateBatch(c, out, 0, 100));
        assertEquals(0, limited.allocateBatch(c, out, 0, 100));
        limited.verifyInvariants();
    }

    @Test
    void aBatchRefusesABadClassOrRange()
    {
        final long[] out = new long[4];
        assertThrows(IllegalArgumentException.class, () -> heap.allocateBatch(-1, out, 0, 1));
        assertThrows(IllegalArgumentException.class, () -> heap.allocateBatch(SizeClasses.classCount(), out, 0, 1));
        assertThrows(IndexOutOfBoundsException.class, () -> heap.allocateBatch(0, out, 2, 3));
        assertThrows(IndexOutOfBoundsException.class, () -> heap.allocateBatch(0, out, 0, -1));
        assertEquals(0, heap.chunkCount());
    }

    @Test
    void heapsSharingATableKeepTheirChunksApart()
    {
        final SlabHeap other = new SlabHeap(source, table, 1);
        final long mine = heap.allocate(64);
        final long theirs = other.allocate(64);
        assertSame(heap, table.chunkOf(mine).heap());
        assertSame(other, table.chunkOf(theirs).heap());
        assertNotEquals(table.chunkOf(mine), table.chunkOf(theirs));
    }

    @Test
    void aSourceAndTableWithDifferentChunkSizesAreRefused()
    {
        assertThrows(IllegalArgumentException.class,
            () -> new SlabHeap(FakeChunkSource.unlimited(CHUNK * 2), table, 0));
        assertThrows(IllegalArgumentException.class, () -> new SlabHeap(source, table, -1));
    }

    @Test
    void aMisalignedChunkFromTheSourceIsRefusedAndReleased()
    {
        final ChunkSource misaligned = new ChunkSource()
        {
            int released;

            @Override
            public int chunkSizeBytes()
            {
                return CHUNK;
            }

            @Override
            public long acquireChunk()
            {
                return FakeChunkSource.FIRST_BASE_ADDRESS + PAGE;
            }

            @Override
            public void releaseChunk(final long baseAddress)
            {
                released++;
            }
        };
        final SlabHeap bad = new SlabHeap(misaligned, table, 0);
        final IllegalStateException e = assertThrows(IllegalStateException.class, () -> bad.allocate(16));
        assertTrue(e.getMessage().contains("not aligned"), e.getMessage());
        assertEquals(0, table.size());
    }

    @Test
    void smallChunksServeEveryClass()
    {
        final FakeChunkSource smallSource = FakeChunkSource.unlimited(Chunk.MIN_SIZE_BYTES);
        final SlabHeap small = new SlabHeap(smallSource, new ChunkTable(Chunk.MIN_SIZE_BYTES), 0);
        final List<Long> addresses = new ArrayList<>();
        for (int c = 0; c < SizeClasses.classCount(); c++)
        {
            addresses.add(small.allocate(SizeClasses.sizeOfClass(c)));
        }
        addresses.add(small.allocate(Chunk.MIN_SIZE_BYTES));
        small.verifyInvariants();
        for (final long address : addresses)
        {
            small.free(address);
        }
        assertEquals(0, small.chunkCount());
        assertEquals(0, smallSource.outstandingChunks());
    }

    @Test
    void aBatchWhoseChunkSourceThrowsHandsOverTheSlotsItTookBefore()
    {
        final int c = SizeClasses.classIndexOf(65536);
        source.throwingAcquire = 2;
        final long[] out = new long[CHUNK / 65536 + 10];
        final int taken = heap.allocateBatch(c, out, 0, out.length);
        assertTrue(taken > 0 && taken < out.length, "taken " + taken);
        assertEquals(taken, heap.usedSlots(c), "every slot counted as used is one the caller got");
        for (int i = 0; i < taken; i++)
        {
            heap.free(out[i]);
        }
        assertEquals(0, heap.usedSlots(c));

        final FakeChunkSource failsAtOnce = FakeChunkSource.unlimited(CHUNK);
        failsAtOnce.throwingAcquire = 1;
        final SlabHeap empty = new SlabHeap(failsAtOnce, new ChunkTable(CHUNK), 0);
        assertThrows(IllegalStateException.class, () -> empty.allocateBatch(c, out, 0, out.length),
            "a batch that took nothing says why");
        assertEquals(0, empty.usedSlots(c));
    }
}
