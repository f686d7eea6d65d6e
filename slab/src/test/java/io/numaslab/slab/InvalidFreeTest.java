package io.numaslab.slab;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Every refused free names the address and the problem, and leaves the heap exactly as it was. */
class InvalidFreeTest
{
    private static final int CHUNK = Chunk.DEFAULT_SIZE_BYTES;
    private static final int PAGE = Chunk.PAGE_SIZE_BYTES;

    private final FakeChunkSource source = FakeChunkSource.unlimited(CHUNK);
    private final ChunkTable table = new ChunkTable(CHUNK);
    private final SlabHeap heap = new SlabHeap(source, table, 0);

    private long slot48;
    private long otherSlot48;
    private long run;

    @BeforeEach
    void allocateSome()
    {
        slot48 = heap.allocate(48);
        otherSlot48 = heap.allocate(48);
        heap.allocate(48); // so that freeing one 48-byte slot leaves the slab in use
        run = heap.allocate(3 * PAGE);
    }

    /** Frees {@code address}, expects a refusal with {@code problem} and checks nothing changed. */
    private InvalidFreeException assertRefused(final long address, final String problem)
    {
        final String before = countersOf(heap);
        final InvalidFreeException e = assertThrows(InvalidFreeException.class, () -> heap.free(address));
        assertEquals(address, e.address());
        assertTrue(e.getMessage().startsWith("free(0x" + Long.toHexString(address) + "): "), e.getMessage());
        assertTrue(e.getMessage().contains(problem), e.getMessage());
        assertTrue(e.getMessage().endsWith("; nothing was freed"), e.getMessage());
        assertEquals(before, countersOf(heap), "a refused free changed the heap");
        heap.verifyInvariants();
        return e;
    }

    private static String countersOf(final SlabHeap heap)
    {
        final long[] used = new long[SizeClasses.classCount()];
        final long[] free = new long[SizeClasses.classCount()];
        for (int c = 0; c < used.length; c++)
        {
            used[c] = heap.usedSlots(c);
            free[c] = heap.freeSlots(c);
        }
        return "used=" + heap.usedBytes() + " reserved=" + heap.reservedBytes() + " chunks=" + heap.chunkCount() +
            " acquires=" + heap.chunkAcquires() + " releases=" + heap.chunkReleases() +
            " usedSlots=" + Arrays.toString(used) + " freeSlots=" + Arrays.toString(free);
    }

    @Test
    void anInvalidFreeIsAnIllegalArgument()
    {
        assertInstanceOf(IllegalArgumentException.class, new InvalidFreeException(1, "x"));
    }

    @Test
    void aDoubleFreeOfASlotIsRefused()
    {
        heap.free(slot48);
        assertRefused(slot48, "already free (double free");
    }

    @Test
    void anInteriorPointerIntoASlotIsRefusedWithTheSlotSize()
    {
        final InvalidFreeException e = assertRefused(slot48 + 32, "interior pointer");
        assertEquals("free(0x" + Long.toHexString(slot48 + 32) +
            "): not the start of a 48-byte slot (interior pointer); nothing was freed", e.getMessage());
    }

    @Test
    void aSlotNeverHandedOutIsRefused()
    {
        assertRefused(slot48 + 10 * 48, "already free");
    }

    @Test
    void anAddressInTheTailOfASlabIsRefused()
    {
        final long slabBase = table.chunkOf(slot48).slabAt(table.chunkOf(slot48).pageIndexOf(slot48)).baseAddress;
        assertRefused(slabBase + 1365 * 48, "unused tail");
    }

    @Test
    void anAddressInNoChunkIsRefused()
    {
        assertRefused(0x1000, "not inside any chunk");
        assertRefused(0, "not inside any chunk");
        assertRefused(FakeChunkSource.FIRST_BASE_ADDRESS + 100L * CHUNK, "not inside any chunk");
    }

    @Test
    void anAddressOfAnotherHeapIsRefused()
    {
        final SlabHeap other = new SlabHeap(source, table, 0);
        final long theirs = other.allocate(48);
        assertRefused(theirs, "another SlabHeap");
        other.free(theirs);
    }

    @Test
    void aPageInsideALargeRunIsRefused()
    {
        assertRefused(run + PAGE, "page run at 0x" + Long.toHexString(run) + " (interior pointer)");
        assertRefused(run + 16, "interior pointer");
    }

    @Test
    void aDoubleFreeOfALargeRunIsRefused()
    {
        heap.free(run);
        assertRefused(run, "free page (double free");
    }

    @Test
    void anAddressInAFreePageIsRefused()
    {
        final long freePage = table.chunkOf(run).pageAddress(20);
        assertRefused(freePage, "free page");
    }

    @Test
    void theHeapKeepsWorkingAfterRefusedFrees()
    {
        heap.free(slot48);
        assertRefused(slot48, "double free");
        assertRefused(otherSlot48 + 1, "interior pointer");
        heap.free(otherSlot48);
        assertEquals(slot48, heap.allocate(48), "the lowest free slot is handed out again");
        assertEquals(otherSlot48, heap.allocate(48));
        heap.free(run);
        assertEquals(run, heap.allocate(2 * PAGE + 1));
        heap.verifyInvariants();
    }

    @Test
    void usableSizeOfAFreedAddressIsRefusedNamingTheAddress()
    {
        heap.free(slot48);
        final IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> heap.usableSize(slot48));
        assertEquals("usableSize(0x" + Long.toHexString(slot48) +
            "): the 48-byte slot there is already free (double free, or never allocated)",
            e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> heap.usableSize(run + PAGE));
    }
}
