package io.numaslab.bench.tlb;

/**
 * Independent loads of random 64-byte lines of a working set: the line index is the top bits of a 64-bit
 * multiplicative congruential generator (MCG: {@code s = s * M}, Knuth's MMIX multiplier, an odd state, period
 * 2^62) kept in a register, so computing the next address never misses and the core overlaps the loads. The loop
 * is that of {@code random_reads} in {@code bench/c/pointer_chase.c}. Keeps its state between calls. Not
 * thread-safe.
 */
public final class RandomReadStream
{
    /** The generator's multiplier (Knuth's, of MMIX; 5 mod 8, so an odd state has period 2^62). */
    public static final long MULTIPLIER = 6364136223846793005L;

    private final long baseAddress;
    private final int shift;
    /**
     * Loads per inner loop of {@link #read}. The core keeps as many loads in flight as fit in its window, so every
     * instruction per load the loop saves is more loads at once, and the loop's machine code shows in the figure as
     * much as the memory does. Measured on this machine, 256 MiB of THP, ns per access:
     * <ul>
     *   <li>A loop of unknown length, as before: C2 strip-mines it (with G1, the default collector on two or more CPUs,
     *       it cuts the loop into runs of a thousand iterations with a safepoint poll between), 8.4 against 7.7 with
     *       Serial or Parallel GC, or with this inner loop of constant length, which it does not cut.</li>
     *   <li>The generator's constants folded into the code: C2's loop, unrolled 8 times and short of registers,
     *       rematerialised one of them per load (a 10-byte {@code movabs} and an add), 8.7 against 7.7 read from
     *       fields, where they stay in registers; on Java 25 9.3 against 7.7.</li>
     *   <li>An LCG ({@code s * M + C}) rather than this MCG: one more add per load, and one more register, which
     *       pushed the working set's address out to the stack (an add from memory per load): 7.2 against 6.8.</li>
     * </ul>
     * {@code random_reads} in {@code bench/c/pointer_chase.c} has the same shape, unrolled 8 times as C2 unrolls it.
     */
    static final int BLOCK_ACCESSES = 1024;
    /** {@link #MULTIPLIER}, as a field so that the loop's code does not fold it in (see {@link #BLOCK_ACCESSES}). */
    private final long multiplier;
    private long state;
    private long checksum;

    /**
     * @param baseAddress start of the working set.
     * @param sizeBytes   the working set: a power of two, at least 128 bytes.
     * @param seed        its first state is this, made odd (seed | 1).
     * @throws IllegalArgumentException if the size is not a power of two of at least 128 bytes.
     */
    public RandomReadStream(final long baseAddress, final long sizeBytes, final long seed)
    {
        if (sizeBytes < 2 * AccessPattern.LINE_BYTES || Long.bitCount(sizeBytes) != 1)
        {
            throw new IllegalArgumentException("sizeBytes must be a power of two of at least 128, got " + sizeBytes);
        }
        this.baseAddress = baseAddress;
        this.shift = shiftFor(sizeBytes);
        this.state = seed | 1;
        this.multiplier = MULTIPLIER;
    }

    /**
     * Makes {@code accesses} independent loads, continuing the sequence.
     *
     * @param accesses how many loads.
     */
    public void read(final int accesses)
    {
        long s = state;
        long sum = 0;
        final long base = baseAddress;
        final int bits = shift;
        final long m = multiplier;
        int left = accesses;
        for (; left >= BLOCK_ACCESSES; left -= BLOCK_ACCESSES)
        {
            for (int i = 0; i < BLOCK_ACCESSES; i++)
            {
                s *= m;
                sum += UnsafeMemory.getLong(base + ((s >>> bits) << 6));
            }
        }
        for (; left > 0; left--)
        {
            s *= m;
            sum += UnsafeMemory.getLong(base + ((s >>> bits) << 6));
        }
        state = s;
        checksum += sum;
    }

    /**
     * @param sizeBytes the working set, a power of two.
     * @return how far right the generator's state is shifted to leave a line index below the working set's lines.
     */
    static int shiftFor(final long sizeBytes)
    {
        return 64 - Long.numberOfTrailingZeros(sizeBytes / AccessPattern.LINE_BYTES);
    }

    /** @return the sum of every long loaded; keeps the loads from being optimised away. */
    public long checksum()
    {
        return checksum;
    }
}
