package io.numaslab.slab;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The lookups the allocator's thread caches use from any thread: address to slab, slot and live mark. */
class SlabSlotLookupTest
{
    @Test
    void slotIndexOfIsExactForEverySlotOfEveryClassAndChunkSize()
    {
        for (final int chunkSize : new int[] {256 * 1024, 2 * 1024 * 1024, 64 * 1024 * 1024})
        {
            final SizeClasses classes = SizeClasses.forChunkSize(chunkSize);
            for (int c = 0; c < SizeClasses.classCount(); c++)
            {
                final Chunk chunk = new Chunk(null, 0x7f00_0000_0000L & -(long)chunkSize, chunkSize);
                final Slab slab = chunk.carveSlab(c, classes);
                final int size = SizeClasses.sizeOfClass(c);
                for (int slot = 0; slot < classes.slotsPerSlab(c); slot++)
                {
                    final long address = slab.baseAddress + (long)slot * size;
                    assertEquals(slot, slab.slotIndexOf(address), "class " + c + " slot " + slot);
                    assertEquals(-1, slab.slotIndexOf(address + 8), "interior pointer, class " + c + " slot " + slot);
                    assertEquals(-1, slab.slotIndexOf(address - 1));
                }
                assertEquals(-1, slab.slotIndexOf(slab.baseAddress + (long)classes.slotsPerSlab(c) * size),
                    "past the last slot");
            }
        }
    }

    @Test
    void slabOfFindsTheSlabOfEveryPageItCoversAndNothingOnFreeOrRunPages()
    {
        int chunkSize = 2 * 1024 * 1024;
        final SizeClasses classes = SizeClasses.forChunkSize(chunkSize);
        final Chunk chunk = new Chunk(null, 0x7f00_0000_0000L, chunkSize);
        final int c = SizeClasses.classIndexOf(36864);
        final Slab slab = chunk.carveSlab(c, classes);
        final long run = chunk.carveRun(2);

        for (long a = slab.baseAddress; a < slab.baseAddress + classes.slabBytes(c); a += 4096)
        {
            assertSame(slab, chunk.slabOf(a));
        }
        assertNull(chunk.slabOf(run));
        assertNull(chunk.slabOf(run + 2 * Chunk.PAGE_SIZE_BYTES), "free page");
        assertNull(chunk.slabOf(chunk.baseAddress() - 1));
        assertNull(chunk.slabOf(chunk.baseAddress() + chunkSize));
    }

    /**
     * Every slot has a mark of its own; from 128-byte slots on, the marks of slots in different groups (different
     * refills of a thread cache) are a cache line or more apart, so two threads never write one line for them.
     */
    @Test
    void liveMarksAreDistinctAndGroupsOfSpacedMarksNeverShareACacheLine()
    {
        final int chunkSize = 2 * 1024 * 1024;
        final SizeClasses classes = SizeClasses.forChunkSize(chunkSize);
        for (int c = 0; c < SizeClasses.classCount(); c++)
        {
            final int size = SizeClasses.sizeOfClass(c);
            final Chunk chunk = new Chunk(null, 0x7f00_0000_0000L, chunkSize);
            final Slab slab = chunk.carveSlab(c, classes);
            final int slots = classes.slotsPerSlab(c);
            final int group = Slab.markGroupSlots(size);
            final java.util.Set<Integer> seen = new java.util.HashSet<>();
            for (int slot = 0; slot < slots; slot++)
            {
                assertTrue(seen.add(slab.markIndex(slot)), "class " + c + ": two slots share the mark of slot " + slot);
                assertEquals(slot, slab.slotOfMark(slab.markIndex(slot)), "class " + c + ": slot of the mark of " + slot);
                assertTrue(slab.markLive(slot), "class " + c + " slot " + slot);
                if (size >= Slab.SPACED_MARKS_MIN_SLOT_BYTES && slot >= group)
                {
                    // the first mark of this slot's group against the last of the group before
                    final int gap = slab.markIndex(slot / group * group) - slab.markIndex(slot / group * group - 1);
                    assertTrue(gap >= 64, "class " + c + " (" + size + " B): groups " + gap + " bytes apart");
                }
            }
            for (int slot = 0; slot < slots; slot++)
            {
                assertTrue(slab.isLive(slot));
                assertTrue(slot % 2 == 0 ? slab.clearLive(slot) : slab.clearLiveAt(slab.markIndex(slot)),
                    "class " + c + " slot " + slot);
                assertFalse(slab.isLive(slot));
                assertFalse(slab.clearLiveAt(slab.markIndex(slot)), "a second clear of slot " + slot);
                assertTrue(slab.markLiveAt(slab.markIndex(slot)));
                assertTrue(slab.isLive(slot), "marked again through its mark index");
                assertTrue(slab.clearLive(slot));
            }
            if (size < Slab.SPACED_MARKS_MIN_SLOT_BYTES)
            {
                assertEquals(slots - 1, slab.markIndex(slots - 1), "small slots keep one packed byte each");
            }
        }
    }

    /** A group of spaced marks is at most what one refill of the default thread cache takes, and at least 1. */
    @Test
    void markGroupsFollowTheSlotSize()
    {
        assertEquals(64, Slab.markGroupSlots(48), "packed");
        assertEquals(32, Slab.markGroupSlots(64));
        assertEquals(32, Slab.markGroupSlots(128));
        assertEquals(32, Slab.markGroupSlots(1024));
        assertEquals(32, Slab.markGroupSlots(2048));
        assertEquals(16, Slab.markGroupSlots(4096));
        assertEquals(4, Slab.markGroupSlots(16 * 1024));
        assertEquals(4, Slab.markGroupSlots(12 * 1024), "5 slots a refill, rounded down to a power of two");
        assertEquals(1, Slab.markGroupSlots(48 * 1024));
        assertEquals(1, Slab.markGroupSlots(64 * 1024));
    }

    @Test
    void liveMarksReportDoubleMarkAndDoubleClear()
    {
        final Chunk chunk = new Chunk(null, 0x7f00_0000_0000L, 2 * 1024 * 1024);
        final Slab slab = chunk.carveSlab(0, SizeClasses.forChunkSize(2 * 1024 * 1024));

        assertFalse(slab.isLive(3));
        assertTrue(slab.markLive(3));
        assertFalse(slab.markLive(3), "already live");
        assertTrue(slab.clearLive(3));
        assertFalse(slab.clearLive(3), "double free");
        assertFalse(slab.isLive(3));
    }

    @Test
    void reformattingASlabClearsItsLiveMarks()
    {
        int chunkSize = 2 * 1024 * 1024;
        final SizeClasses classes = SizeClasses.forChunkSize(chunkSize);
        final Chunk chunk = new Chunk(null, 0x7f00_0000_0000L, chunkSize);
        final Slab slab = chunk.carveSlab(0, classes);
        slab.markLive(5);
        chunk.releaseRun(slab.firstPage);

        final Slab again = chunk.carveSlab(1, classes);

        assertSame(slab, again);
        assertFalse(again.isLive(5));
    }
}
