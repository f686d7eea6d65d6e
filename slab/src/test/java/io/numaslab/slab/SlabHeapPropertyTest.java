package io.numaslab.slab;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Random allocate / free sequences checked against a model: a map of the live intervals
 * {@code [address, address + usableSize)}.
 */
class SlabHeapPropertyTest
{
    private static final int OPERATIONS = 40_000;
    private static final int PHASE_LENGTH = 3_000;

    private Random random;
    private FakeChunkSource source;
    private SlabHeap heap;
    private ChunkTable table;

    /** The model: live allocations as start address → end address, and the same starts in a list to pick from. */
    private final TreeMap<Long, Long> liveIntervals = new TreeMap<>();
    private final List<Long> liveAddresses = new ArrayList<>();
    private final List<Long> freedAddresses = new ArrayList<>();
    private final long[] liveSlotsByClass = new long[SizeClasses.classCount()];
    private long liveBytes;

    @ParameterizedTest(name = "seed {0}, {1}-byte chunks, {2} empty chunks retained, surplus released later: {3}")
    @CsvSource({
        "1, 2097152, 0, false",
        "2, 2097152, 1, false",
        "3, 2097152, 4, false",
        "4, 262144, 1, false",
        "5, 1048576, 2, false",
        "6, 4194304, 0, false",
        "7, 262144, 0, true",
        "8, 2097152, 1, true",
        "9, 1048576, 2, true"})
    void randomAllocationsAndFreesAgreeWithTheModel(final long seed, final int chunkSizeBytes,
        final int retainedEmptyChunks, final boolean releaseLater)
    {
        random = new Random(seed);
        source = FakeChunkSource.unlimited(chunkSizeBytes);
        table = new ChunkTable(chunkSizeBytes);
        heap = new SlabHeap(source, table, retainedEmptyChunks, releaseLater);

        for (int op = 0; op < OPERATIONS; op++)
        {
            // Alternate growing and shrinking phases so slabs and chunks both fill up and empty out.
            final double allocateChance = (op / PHASE_LENGTH) % 2 == 0 ? 0.65 : 0.35;
            final int dice = random.nextInt(100);
            if (dice < 2)
            {
                tryAnInvalidFree();
            }
            else if (dice < 6)
            {
                allocateABatch();
            }
            else if (liveAddresses.isEmpty() || random.nextDouble() < allocateChance)
            {
                allocateOne();
            }
            else
            {
                freeOne(random.nextInt(liveAddresses.size()));
            }
            if (random.nextInt(500) == 0)
            {
                heap.releaseIdleEmptyChunks(); // the owner's periodic pass, at random points of both phases
            }
            assertEquals(liveBytes, heap.usedBytes(), "used bytes after op " + op);
            if (op % 1000 == 0)
            {
                assertCountersMatchTheModel();
            }
        }

        while (!liveAddresses.isEmpty())
        {
            freeOne(random.nextInt(liveAddresses.size()));
        }
        assertCountersMatchTheModel();
        if (releaseLater)
        {
            heap.releaseEmptyChunks();
        }
        assertEquals(0, heap.usedBytes());
        for (int c = 0; c < SizeClasses.classCount(); c++)
        {
            assertEquals(0, heap.freeSlots(c), "class " + c + " kept an empty slab");
        }
        assertTrue(heap.chunkCount() <= retainedEmptyChunks, heap.chunkCount() + " chunks kept");
        assertEquals(heap.chunkCount(), source.outstandingChunks());
        assertEquals(source.acquires, heap.chunkAcquires());
        assertEquals(source.releases, heap.chunkReleases());
        assertEquals(heap.chunkCount(), table.size());
    }

    private int randomSize()
    {
        final int kind = random.nextInt(100);
        if (kind < 60)
        {
            return 1 + random.nextInt(256);
        }
        if (kind < 85)
        {
            return 257 + random.nextInt(8192 - 256);
        }
        if (kind < 96)
        {
            return 8193 + random.nextInt(SizeClasses.MAX_SMALL_SIZE_BYTES - 8192);
        }
        return SizeClasses.MAX_SMALL_SIZE_BYTES + 1 +
            random.nextInt(heap.maxAllocationBytes() - SizeClasses.MAX_SMALL_SIZE_BYTES);
    }

    private void allocateOne()
    {
        final int sizeBytes = randomSize();
        final long address = heap.allocate(sizeBytes);
        final int expectedUsable = sizeBytes <= SizeClasses.MAX_SMALL_SIZE_BYTES ?
            SizeClasses.sizeOfClass(SizeClasses.classIndexOf(sizeBytes)) :
            (sizeBytes + Chunk.PAGE_SIZE_BYTES - 1) / Chunk.PAGE_SIZE_BYTES * Chunk.PAGE_SIZE_BYTES;
        assertEquals(expectedUsable, heap.usableSize(address), "usable size of " + sizeBytes + " bytes");
        addLive(address, expectedUsable);
    }

    private void allocateABatch()
    {
        final int classIndex = random.nextInt(SizeClasses.classCount());
        final long[] out = new long[1 + random.nextInt(40)];
        final int offset = random.nextInt(out.length);
        final int max = random.nextInt(out.length - offset + 1);
        assertEquals(max, heap.allocateBatch(classIndex, out, offset, max));
        for (int i = offset; i < offset + max; i++)
        {
            addLive(out[i], SizeClasses.sizeOfClass(classIndex));
        }
    }

    /** Checks a new allocation against the model, then records it. */
    private void addLive(final long address, final int usableBytes)
    {
        assertNotEquals(0, address);
        assertTrue(source.holds(address, usableBytes), "0x" + Long.toHexString(address) + " is not inside one chunk");
        assertSame(heap, table.chunkOf(address).heap());
        final Map.Entry<Long, Long> before = liveIntervals.floorEntry(address);
        final Long after = liveIntervals.ceilingKey(address);
        assertTrue(before == null || before.getValue() <= address,
            () -> "overlaps the allocation at 0x" + Long.toHexString(before.getKey()));
        assertTrue(after == null || address + usableBytes <= after,
            () -> "overlaps the allocation at 0x" + Long.toHexString(after));
        liveIntervals.put(address, address + usableBytes);
        liveAddresses.add(address);
        liveBytes += usableBytes;
        if (usableBytes <= SizeClasses.MAX_SMALL_SIZE_BYTES)
        {
            liveSlotsByClass[SizeClasses.classIndexOf(usableBytes)]++;
        }
    }

    private void freeOne(final int index)
    {
        final long address = liveAddresses.get(index);
        liveAddresses.set(index, liveAddresses.get(liveAddresses.size() - 1));
        liveAddresses.remove(liveAddresses.size() - 1);
        final long usableBytes = liveIntervals.remove(address) - address;
        heap.free(address);
        liveBytes -= usableBytes;
        if (usableBytes <= SizeClasses.MAX_SMALL_SIZE_BYTES)
        {
            liveSlotsByClass[SizeClasses.classIndexOf((int)usableBytes)]--;
        }
        freedAddresses.add(address);
        if (freedAddresses.size() > 100)
        {
            freedAddresses.remove(random.nextInt(freedAddresses.size()));
        }
    }

    /** The heap must refuse exactly the addresses that are not the start of a live allocation. */
    private void tryAnInvalidFree()
    {
        final long address;
        if (!liveAddresses.isEmpty() && random.nextBoolean())
        {
            final long start = liveAddresses.get(random.nextInt(liveAddresses.size()));
            final long length = liveIntervals.get(start) - start;
            address = start + 1 + random.nextInt((int)length - 1); // inside, not the start
        }
        else if (!freedAddresses.isEmpty())
        {
            address = freedAddresses.get(random.nextInt(freedAddresses.size()));
            if (liveIntervals.containsKey(address))
            {
                return; // handed out again since: freeing it would be valid
            }
        }
        else
        {
            return;
        }
        final long usedBefore = heap.usedBytes();
        final long reservedBefore = heap.reservedBytes();
        final long address0 = address;
        final InvalidFreeException e = assertThrows(InvalidFreeException.class, () -> heap.free(address0));
        assertEquals(address, e.address());
        assertEquals(usedBefore, heap.usedBytes());
        assertEquals(reservedBefore, heap.reservedBytes());
    }

    private void assertCountersMatchTheModel()
    {
        for (int c = 0; c < SizeClasses.classCount(); c++)
        {
            assertEquals(liveSlotsByClass[c], heap.usedSlots(c), "used slots of class " + c);
        }
        assertEquals(liveBytes, heap.usedBytes());
        assertEquals((long)source.outstandingChunks() * source.chunkSizeBytes(), heap.reservedBytes());
        heap.verifyInvariants();
    }
}
