package io.numaslab.bench.tlb;

/**
 * Follows a pointer cycle written by {@link ChaseCycle#writePointers}: each load's address is the value
 * of the previous load, so no two loads overlap and the time per access is the full memory latency,
 * TLB miss and page walk included. The loop is that of {@code chase} in {@code bench/c/pointer_chase.c}.
 * Keeps its position between calls. Not thread-safe.
 */
public final class PointerChaser
{
    private long pointer;

    /** @param startAddress the address of a slot of the cycle (the return of {@code writePointers}). */
    public PointerChaser(final long startAddress)
    {
        this.pointer = startAddress;
    }

    /**
     * Makes {@code accesses} dependent loads from where the last call stopped.
     *
     * @param accesses how many loads.
     */
    public void chase(final int accesses)
    {
        long p = pointer;
        for (int i = 0; i < accesses; i++)
        {
            p = UnsafeMemory.getLong(p);
        }
        pointer = p;
    }

    /** @return the address the chase is at; depends on every load made, so no load can be optimised away. */
    public long position()
    {
        return pointer;
    }
}
