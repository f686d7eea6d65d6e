package io.numaslab.bench.tlb;

/**
 * Independent loads of random 64-byte lines of a working set: the line index is the top bits of a 64-bit
 * LCG (Knuth's MMIX constants) kept in a register, so computing the next address never misses and the
 * core overlaps the loads. The loop is that of {@code random_reads} in {@code bench/c/pointer_chase.c}.
 * Keeps its LCG state between calls. Not thread-safe.
 */
public final class RandomReadStream
{
    /** The LCG multiplier (Knuth, MMIX). */
    public static final long LCG_MULTIPLIER = 6364136223846793005L;
    /** The LCG increment (Knuth, MMIX). */
    public static final long LCG_INCREMENT = 1442695040888963407L;

    private final long baseAddress;
    private final int shift;
    private long state;
    private long checksum;

    /**
     * @param baseAddress start of the working set.
     * @param sizeBytes   the working set: a power of two, at least 128 bytes.
     * @param seed        the LCG's first state.
     * @throws IllegalArgumentException if the size is not a power of two of at least 128 bytes.
     */
    public RandomReadStream(final long baseAddress, final long sizeBytes, final long seed)
    {
        if (sizeBytes < 2 * AccessPattern.LINE_BYTES || Long.bitCount(sizeBytes) != 1)
        {
            throw new IllegalArgumentException("sizeBytes must be a power of two of at least 128, got " + sizeBytes);
        }
        this.baseAddress = baseAddress;
        this.shift = 64 - Long.numberOfTrailingZeros(sizeBytes / AccessPattern.LINE_BYTES);
        this.state = seed;
    }

    /**
     * Makes {@code accesses} independent loads, continuing the LCG sequence.
     *
     * @param accesses how many loads.
     */
    public void read(final int accesses)
    {
        long s = state;
        long sum = 0;
        final long base = baseAddress;
        final int bits = shift;
        for (int i = 0; i < accesses; i++)
        {
            s = s * LCG_MULTIPLIER + LCG_INCREMENT;
            sum += UnsafeMemory.getLong(base + ((s >>> bits) << 6));
        }
        state = s;
        checksum += sum;
    }

    /** @return the sum of every long loaded; keeps the loads from being optimised away. */
    public long checksum()
    {
        return checksum;
    }
}
