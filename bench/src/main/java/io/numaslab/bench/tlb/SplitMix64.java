package io.numaslab.bench.tlb;

/**
 * The splitmix64 generator (Steele, Lea, Flood 2014): the randomness of the chase cycle, identical bit for
 * bit to {@code splitmix_next} and {@code splitmix_below} in {@code bench/c/pointer_chase.c}, so that Java
 * and C chase the same cycle for the same seed. Not thread-safe.
 */
public final class SplitMix64
{
    private long state;

    /** @param seed the starting state; the same seed gives the same sequence here and in the C reference. */
    public SplitMix64(final long seed)
    {
        this.state = seed;
    }

    /** @return the next 64 random bits. */
    public long nextLong()
    {
        state += 0x9E3779B97F4A7C15L;
        long z = state;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /**
     * A number below a bound, from the top 31 bits of the next value: {@code ((next >>> 33) * bound) >>> 31}.
     *
     * @param bound exclusive upper bound, 1 to 2^31 - 1.
     * @return a number in {@code [0, bound)}.
     */
    public int nextBelow(final int bound)
    {
        return (int)(((nextLong() >>> 33) * bound) >>> 31);
    }
}
