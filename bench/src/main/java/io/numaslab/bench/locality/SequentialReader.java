package io.numaslab.bench.locality;

import io.numaslab.bench.tlb.UnsafeMemory;

/**
 * Reads memory front to back as fast as one core can: sums the longs of a range with four independent
 * accumulators (so the adds are not one dependent chain), in blocks of 1 MiB with an {@code int} counter
 * (a counted loop the JIT unrolls). Raw loads, no bounds checks.
 */
public final class SequentialReader
{
    private static final int BLOCK_BYTES = 1 << 20;
    private static volatile long sink;

    private SequentialReader()
    {
    }

    /** Compiles {@link #sum} before anything is timed: sums 4 MiB of native memory a hundred times. */
    public static void warmUpJit()
    {
        final long sizeBytes = 4L << 20;
        final long address = UnsafeMemory.allocate(sizeBytes);
        try
        {
            long total = 0;
            for (int i = 0; i < 100; i++)
            {
                total += sum(address, sizeBytes);
            }
            sink += total;
        }
        finally
        {
            UnsafeMemory.free(address);
        }
    }

    /**
     * @param address   start of the range, 8-byte aligned.
     * @param sizeBytes length of the range, a multiple of 8.
     * @return the sum of its longs; depends on every load, so none can be optimised away.
     * @throws IllegalArgumentException if the length is negative or not a multiple of 8.
     */
    public static long sum(final long address, final long sizeBytes)
    {
        if (sizeBytes < 0 || (sizeBytes & 7) != 0)
        {
            throw new IllegalArgumentException("sizeBytes must be a non-negative multiple of 8, got " + sizeBytes);
        }
        long s0 = 0;
        long s1 = 0;
        long s2 = 0;
        long s3 = 0;
        final long end = address + sizeBytes;
        long block = address;
        for (; end - block >= BLOCK_BYTES; block += BLOCK_BYTES)
        {
            for (int i = 0; i < BLOCK_BYTES; i += 32)
            {
                s0 += UnsafeMemory.getLong(block + i);
                s1 += UnsafeMemory.getLong(block + i + 8);
                s2 += UnsafeMemory.getLong(block + i + 16);
                s3 += UnsafeMemory.getLong(block + i + 24);
            }
        }
        for (long a = block; a < end; a += 8)
        {
            s0 += UnsafeMemory.getLong(a);
        }
        return s0 + s1 + s2 + s3;
    }
}
