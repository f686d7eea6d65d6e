package io.numaslab.bench.tlb;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ChaseCycleTest
{
    @Test
    void sattoloCycleVisitsEverySlotExactlyOnceBeforeReturningToTheStart()
    {
        for (final int slots : new int[] {1, 2, 3, 64, 1000, 1 << 16})
        {
            final int[] successors = ChaseCycle.sattoloSuccessors(slots, 42);
            final boolean[] visited = new boolean[slots];
            int slot = 0;
            for (int step = 0; step < slots; step++)
            {
                assertFalse(visited[slot], "slot " + slot + " visited twice among " + slots);
                visited[slot] = true;
                slot = successors[slot];
            }
            assertEquals(0, slot, "after " + slots + " steps the chase is back at slot 0");
            for (int i = 0; i < slots; i++)
            {
                assertTrue(visited[i], "slot " + i + " of " + slots + " never visited");
            }
        }
    }

    @Test
    void noSlotIsItsOwnSuccessorWhenThereAreAtLeastTwo()
    {
        final int[] successors = ChaseCycle.sattoloSuccessors(4096, 7);
        for (int i = 0; i < successors.length; i++)
        {
            assertTrue(successors[i] != i, "slot " + i + " points to itself");
        }
    }

    @Test
    void theSameSeedGivesTheSameCycleAndAnotherSeedAnother()
    {
        assertArrayEquals(ChaseCycle.sattoloSuccessors(10_000, 42), ChaseCycle.sattoloSuccessors(10_000, 42));
        assertFalse(Arrays.equals(ChaseCycle.sattoloSuccessors(10_000, 42), ChaseCycle.sattoloSuccessors(10_000, 43)));
    }

    @Test
    void pointersWrittenIntoMemoryFormTheSameSingleCycle()
    {
        for (final AccessPattern pattern : new AccessPattern[] {AccessPattern.CHASE, AccessPattern.CHASE_PAGE})
        {
            final long sizeBytes = 1L << 20;
            final int slots = (int)pattern.slotCount(sizeBytes);
            final long raw = UnsafeMemory.allocate(sizeBytes + 4096);
            try
            {
                final long base = (raw + 4095) & -4096L;
                final int[] successors = ChaseCycle.sattoloSuccessors(slots, 42);
                final long start = ChaseCycle.writePointers(base, pattern, successors);
                assertEquals(base, start, "a chase starts at slot 0");
                final boolean[] visited = new boolean[slots];
                long address = start;
                for (int step = 0; step < slots; step++)
                {
                    final long offset = address - base;
                    final int slot = pattern == AccessPattern.CHASE_PAGE ? (int)(offset / 4096) : (int)(offset / 64);
                    assertEquals(pattern.slotOffsetBytes(slot), offset, pattern + ": pointer into the middle of a slot");
                    assertFalse(visited[slot], pattern + ": slot " + slot + " visited twice");
                    visited[slot] = true;
                    address = UnsafeMemory.getLong(address);
                }
                assertEquals(start, address, pattern + ": the chase comes back to the start after every slot");
            }
            finally
            {
                UnsafeMemory.free(raw);
            }
        }
    }

    @Test
    void pageSpreadSlotsLieOnePerPageOnLinesThatDoNotFollowThePageNumber()
    {
        final int[] slotsPerLine = new int[64];
        for (long slot = 0; slot < 4096; slot++)
        {
            final long offset = AccessPattern.CHASE_PAGE.slotOffsetBytes(slot);
            assertEquals(slot, offset / 4096, "one slot per page");
            assertEquals(0, offset % 64, "slots are line aligned");
            slotsPerLine[(int)(offset % 4096 / 64)]++;
        }
        // In physically contiguous memory (huge pages) a cache's set index is address bits 6 and up: 64K page
        // slots must fall in many sets (with line = slot % 64 they would fall in 512 only, bits 6-20).
        final java.util.Set<Long> sets = new java.util.HashSet<>();
        for (long slot = 0; slot < 65536; slot++)
        {
            sets.add((AccessPattern.CHASE_PAGE.slotOffsetBytes(slot) >>> 6) & ((1 << 15) - 1));
        }
        assertTrue(sets.size() > 16384, "sets of a 2 MiB-indexed cache used by 64K page slots: " + sets.size());
        for (int line = 0; line < 64; line++)
        {
            assertTrue(slotsPerLine[line] > 0, "line " + line + " never used");
        }
    }

    @Test
    void aCycleNeedsAtLeastOneSlot()
    {
        assertThrows(IllegalArgumentException.class, () -> ChaseCycle.sattoloSuccessors(0, 42));
    }

    @Test
    void theCReferenceBuildsTheSameCycleForTheSameSeed()
    {
        final CReference c = CReference.prepare(null);
        Assumptions.assumeTrue(c.isAvailable(), c.unavailableReason());
        assertArrayEquals(ChaseCycle.sattoloSuccessors(5000, 42), c.successorsFromC(5000, 42));
        assertArrayEquals(ChaseCycle.sattoloSuccessors(777, 9), c.successorsFromC(777, 9));
    }

    @Test
    void theCReferenceLaysOutPageSlotsWhereJavaDoes()
    {
        final CReference c = CReference.prepare(null);
        Assumptions.assumeTrue(c.isAvailable(), c.unavailableReason());
        final long[] expected = new long[3000];
        Arrays.setAll(expected, slot -> AccessPattern.CHASE_PAGE.slotOffsetBytes(slot));
        assertArrayEquals(expected, c.pageSlotOffsetsFromC(3000));
    }
}
