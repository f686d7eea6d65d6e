package io.numaslab.bench.tlb;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * C's loops, called from Java, load the same lines in the same order as Java's: otherwise "region / C" would compare
 * different access patterns. Needs gcc (skipped without it, as the C reference is).
 */
class CLoopsTest
{
    private static final long SIZE_BYTES = 256 * 1024;
    private static CLoops loops;

    @BeforeAll
    static void buildTheLibrary()
    {
        final CReference c = CReference.prepare(null);
        Assumptions.assumeTrue(c.library() != null, c.libraryUnavailableReason());
        loops = CLoops.load(c.library());
    }

    @Test
    void cRandomReadsLoadTheLinesJavasStreamLoadsCarryingTheStateAcrossCalls()
    {
        final long address = UnsafeMemory.allocate(SIZE_BYTES);
        try
        {
            // Each line holds a value that says which line it is, so the sums say which lines were loaded.
            for (long line = 0; line < SIZE_BYTES / AccessPattern.LINE_BYTES; line++)
            {
                UnsafeMemory.putLong(address + line * AccessPattern.LINE_BYTES, line * line * 31 + 7);
            }
            final RandomReadStream java = new RandomReadStream(address, SIZE_BYTES, 42);
            final long[] state = {42 | 1};
            long cSum = 0;
            // below, at and above the inner loop's block and C's unrolling
            for (final int accesses : new int[] {1, 7, 8, 1023, 1024, 1025, 5000})
            {
                cSum += loops.randomReads(address, SIZE_BYTES, state, accesses);
                java.read(accesses);
                assertEquals(java.checksum(), cSum, "after a call of " + accesses + " loads");
            }
        }
        finally
        {
            UnsafeMemory.free(address);
        }
    }

    @Test
    void cChaseEndsWhereJavasChaserEnds()
    {
        final long address = UnsafeMemory.allocate(SIZE_BYTES);
        try
        {
            final int[] cycle = ChaseCycle.sattoloSuccessors((int)AccessPattern.CHASE.slotCount(SIZE_BYTES), 42);
            final long start = ChaseCycle.writePointers(address, AccessPattern.CHASE, cycle);
            final PointerChaser java = new PointerChaser(start);
            long c = start;
            for (final int accesses : new int[] {1, 2, 1000, 4096})
            {
                java.chase(accesses);
                c = loops.chase(c, accesses);
                assertEquals(java.position(), c, "after " + accesses + " loads");
            }
            assertTrue(c >= address && c < address + SIZE_BYTES, "the chase stays in the working set");
        }
        finally
        {
            UnsafeMemory.free(address);
        }
    }

    @Test
    void timingAPassGivesAPositiveFigure()
    {
        final long address = UnsafeMemory.allocate(SIZE_BYTES);
        try
        {
            final MeasurementPlan plan = new MeasurementPlan(1000, 10_000, 2, 42);
            assertTrue(loops.timeRandomReads(address, SIZE_BYTES, plan) > 0);
        }
        finally
        {
            UnsafeMemory.free(address);
        }
    }
}
