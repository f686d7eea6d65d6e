package io.numaslab.bench.tlb;

/**
 * The random cycle a pointer chase follows: Sattolo's algorithm, which draws uniformly among the
 * permutations that are one single cycle, so a chase from any slot visits every slot exactly once before
 * it comes back. Built with {@link SplitMix64} exactly as {@code sattolo_successors} in
 * {@code bench/c/pointer_chase.c} builds it, so the same seed gives the C reference the same cycle.
 * <p>
 * The cycle is built in a compact {@code int[]} (4 bytes per slot, 16 times smaller than the working set of
 * a line chase), then written into the memory in one sequential pass: slot {@code i} holds the address of
 * slot {@code successors[i]}.
 */
public final class ChaseCycle
{
    private ChaseCycle()
    {
    }

    /**
     * Sattolo's algorithm: {@code successors[i] = i}, then for {@code i} from {@code n - 1} down to 1, swap
     * {@code successors[i]} with {@code successors[j]}, {@code j} drawn below {@code i}.
     *
     * @param slotCount how many slots, 1 to 2^31 - 1.
     * @param seed      the seed of the {@link SplitMix64} that draws the swaps.
     * @return for each slot, the slot visited after it; one cycle through all slots.
     * @throws IllegalArgumentException for a slot count below 1.
     */
    public static int[] sattoloSuccessors(final int slotCount, final long seed)
    {
        if (slotCount < 1)
        {
            throw new IllegalArgumentException("slotCount must be at least 1, got " + slotCount);
        }
        final int[] successors = new int[slotCount];
        for (int i = 0; i < slotCount; i++)
        {
            successors[i] = i;
        }
        final SplitMix64 random = new SplitMix64(seed);
        for (int i = slotCount - 1; i > 0; i--)
        {
            final int j = random.nextBelow(i);
            final int swap = successors[i];
            successors[i] = successors[j];
            successors[j] = swap;
        }
        return successors;
    }

    /**
     * Writes the cycle into memory: at the slot offset of each slot, the absolute address of its successor.
     * Raw stores, no bounds checks: the caller guarantees the memory holds every slot of the pattern.
     *
     * @param baseAddress start of the working set (e.g. {@code Region.address()}).
     * @param pattern     a chase pattern, which says where slots lie.
     * @param successors  the cycle from {@link #sattoloSuccessors(int, long)}.
     * @return the address of slot 0, where a chase starts.
     * @throws IllegalArgumentException for a pattern that is not a chase.
     */
    public static long writePointers(final long baseAddress, final AccessPattern pattern, final int[] successors)
    {
        if (!pattern.isDependent())
        {
            throw new IllegalArgumentException(pattern + " is not a pointer chase");
        }
        for (int i = 0; i < successors.length; i++)
        {
            UnsafeMemory.putLong(baseAddress + pattern.slotOffsetBytes(i),
                baseAddress + pattern.slotOffsetBytes(successors[i]));
        }
        return baseAddress + pattern.slotOffsetBytes(0);
    }
}
