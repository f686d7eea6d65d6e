package io.numaslab.slab;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class SizeClassesTest
{
    private static final int[] CHUNK_SIZES = {
        Chunk.MIN_SIZE_BYTES, 512 * 1024, 1024 * 1024, Chunk.DEFAULT_SIZE_BYTES, 64 << 20, Chunk.MAX_SIZE_BYTES};

    @Test
    void thereAre80ClassesFrom16BytesTo64KiB()
    {
        assertEquals(80, SizeClasses.classCount());
        assertEquals(16, SizeClasses.sizeOfClass(0));
        assertEquals(SizeClasses.MAX_SMALL_SIZE_BYTES, SizeClasses.sizeOfClass(SizeClasses.classCount() - 1));
    }

    @Test
    void classesUpTo128BytesAre16BytesApart()
    {
        for (int c = 0; c < 8; c++)
        {
            assertEquals(16 * (c + 1), SizeClasses.sizeOfClass(c));
        }
    }

    @Test
    void eachDoublingAbove128BytesHasEightEvenlySpacedClasses()
    {
        assertEquals(144, SizeClasses.sizeOfClass(8));
        assertEquals(256, SizeClasses.sizeOfClass(15));
        assertEquals(288, SizeClasses.sizeOfClass(16));
        assertEquals(320, SizeClasses.sizeOfClass(17));
        for (int c = 8; c < SizeClasses.classCount(); c++)
        {
            final int lowerPowerOfTwo = Integer.highestOneBit(SizeClasses.sizeOfClass(c) - 1);
            assertEquals(lowerPowerOfTwo / 8, SizeClasses.sizeOfClass(c) - SizeClasses.sizeOfClass(c - 1),
                "class " + c);
        }
    }

    @Test
    void classSizesStrictlyIncreaseAndAreMultiplesOf16()
    {
        for (int c = 0; c < SizeClasses.classCount(); c++)
        {
            assertEquals(0, SizeClasses.sizeOfClass(c) % SizeClasses.QUANTUM_BYTES, "class " + c);
            if (c > 0)
            {
                assertTrue(SizeClasses.sizeOfClass(c) > SizeClasses.sizeOfClass(c - 1), "class " + c);
            }
        }
    }

    @Test
    void everySizeMapsToTheSmallestClassThatHoldsIt()
    {
        int expected = 0;
        for (int size = 1; size <= SizeClasses.MAX_SMALL_SIZE_BYTES; size++)
        {
            if (SizeClasses.sizeOfClass(expected) < size)
            {
                expected++;
            }
            assertEquals(expected, SizeClasses.classIndexOf(size), "size " + size);
        }
    }

    @Test
    void theLookupTableAgreesWithTheArithmeticAbove128Bytes()
    {
        for (int size = 129; size <= 1024; size++)
        {
            assertEquals(SizeClasses.classIndexAbove128(size), SizeClasses.classIndexOf(size), "size " + size);
        }
    }

    @Test
    void requestsUpTo112BytesWasteAtMost15Bytes()
    {
        for (int size = 1; size <= 112; size++)
        {
            final int wasteBytes = SizeClasses.sizeOfClass(SizeClasses.classIndexOf(size)) - size;
            assertTrue(wasteBytes <= 15, "size " + size + " wastes " + wasteBytes + " bytes");
        }
    }

    @Test
    void requestsFrom113BytesTo64KiBWasteAtMostAnEighthOfTheirClass()
    {
        for (int size = 113; size <= SizeClasses.MAX_SMALL_SIZE_BYTES; size++)
        {
            final int classSize = SizeClasses.sizeOfClass(SizeClasses.classIndexOf(size));
            assertTrue((classSize - size) * 8L <= classSize, "size " + size + " in class of " + classSize);
        }
    }

    @Test
    void theSizeOfAClassMapsBackToThatClass()
    {
        for (int c = 0; c < SizeClasses.classCount(); c++)
        {
            assertEquals(c, SizeClasses.classIndexOf(SizeClasses.sizeOfClass(c)));
        }
    }

    @Test
    void zeroNegativeAndTooLargeSizesHaveNoClass()
    {
        for (final int size :
            new int[] {0, -1, Integer.MIN_VALUE, SizeClasses.MAX_SMALL_SIZE_BYTES + 1, Integer.MAX_VALUE})
        {
            final IllegalArgumentException e =
                assertThrows(IllegalArgumentException.class, () -> SizeClasses.classIndexOf(size));
            assertTrue(e.getMessage().contains(Integer.toString(size)), e.getMessage());
        }
    }

    @Test
    void worstInternalWasteIsTheSmallestRequestOfTheClass()
    {
        assertEquals(100.0 * 15 / 16, SizeClasses.worstInternalWastePercent(0), 1e-9);
        assertEquals(100.0 * 15 / 144, SizeClasses.worstInternalWastePercent(8), 1e-9);
    }

    @Test
    void aSlabIsAtMostAQuarterOfAChunk()
    {
        for (final int chunkSize : CHUNK_SIZES)
        {
            final SizeClasses classes = SizeClasses.forChunkSize(chunkSize);
            for (int c = 0; c < SizeClasses.classCount(); c++)
            {
                assertTrue(classes.slabBytes(c) <= chunkSize / 4, "chunk " + chunkSize + ", class " + c);
            }
        }
    }

    @Test
    void slabsHoldAtLeastOneSlotAndFitTheirBitmap()
    {
        for (final int chunkSize : CHUNK_SIZES)
        {
            final SizeClasses classes = SizeClasses.forChunkSize(chunkSize);
            for (int c = 0; c < SizeClasses.classCount(); c++)
            {
                final int slots = classes.slotsPerSlab(c);
                assertTrue(slots >= 1 && slots <= SizeClasses.MAX_SLOTS_PER_SLAB, "class " + c + ": " + slots);
                assertEquals(classes.slabBytes(c) / SizeClasses.sizeOfClass(c), slots, "class " + c);
            }
        }
    }

    @Test
    void slabTailWasteIsAtMostASixteenthFor2MiBChunksAndLarger()
    {
        for (final int chunkSize : new int[] {Chunk.DEFAULT_SIZE_BYTES, 64 << 20, Chunk.MAX_SIZE_BYTES})
        {
            final SizeClasses classes = SizeClasses.forChunkSize(chunkSize);
            for (int c = 0; c < SizeClasses.classCount(); c++)
            {
                assertTrue(classes.tailWastePercent(c) <= 6.25, "chunk " + chunkSize + ", class " + c + ": " +
                    classes.tailWastePercent(c) + "%");
            }
        }
    }

    @Test
    void slabsAreAsShortAsTheWasteTargetAllows()
    {
        final SizeClasses classes = SizeClasses.forChunkSize(Chunk.DEFAULT_SIZE_BYTES);
        assertEquals(1, classes.slabPages(SizeClasses.classIndexOf(48)));
        assertEquals(1365, classes.slotsPerSlab(SizeClasses.classIndexOf(48)));
        assertEquals(5, classes.slabPages(SizeClasses.classIndexOf(53248)),
            "16 slots pass the cap; 8 pages waste 8.6%");
        assertEquals(6, classes.slotsPerSlab(SizeClasses.classIndexOf(53248)));
        assertEquals(4, classes.slabPages(SizeClasses.classIndexOf(16384)), "at least 16 slots");
        assertEquals(16, classes.slotsPerSlab(SizeClasses.classIndexOf(16384)));
    }

    @Test
    void chunkSizesMustBePowersOfTwoFrom256KiBTo1GiB()
    {
        for (final int chunkSize : new int[] {0, 128 * 1024, 3 * 1024 * 1024, -Chunk.DEFAULT_SIZE_BYTES})
        {
            assertThrows(IllegalArgumentException.class, () -> SizeClasses.forChunkSize(chunkSize));
        }
    }

    @Test
    void theTableHasAHeaderAndOneRowPerClass()
    {
        final String[] lines = SizeClasses.forChunkSize(Chunk.DEFAULT_SIZE_BYTES).toTable().split("\n");
        assertEquals(2 + SizeClasses.classCount(), lines.length);
        assertTrue(lines[0].startsWith("| class | size (B) | slab (B) | slots per slab |"), lines[0]);
        assertEquals("| 0 | 16 | 65536 | 4096 | 93.8 | 0.0 |", lines[2]);
        assertEquals("| 79 | 65536 | 524288 | 8 | 6.2 | 0.0 |", lines[lines.length - 1]);
    }
}
