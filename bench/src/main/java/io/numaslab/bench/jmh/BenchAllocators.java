package io.numaslab.bench.jmh;

import io.netty.buffer.AdaptiveByteBufAllocator;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufAllocatorMetricProvider;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.numaslab.allocator.NumaAllocator;
import io.numaslab.allocator.netty.NumaByteBufAllocator;

/**
 * The ByteBufAllocators the suite compares, by name: numaslab, Netty's pooled and adaptive (with thread caches
 * for every thread, as on event loops) and unpooled direct buffers.
 */
public final class BenchAllocators
{
    /** Names accepted by {@link #create(String)}. */
    public static final String[] NAMES = {"numaslab", "pooled", "adaptive", "unpooled"};

    private BenchAllocators()
    {
    }

    /**
     * @param name one of {@link #NAMES}.
     * @return a new allocator; for numaslab, over a new NumaAllocator (close it with {@link #close}).
     */
    public static ByteBufAllocator create(final String name)
    {
        switch (name)
        {
            case "numaslab":
                return new NumaByteBufAllocator(NumaAllocator.builder().jmx(false).build());
            case "pooled":
                return new PooledByteBufAllocator(true, PooledByteBufAllocator.defaultNumHeapArena(),
                    PooledByteBufAllocator.defaultNumDirectArena(), PooledByteBufAllocator.defaultPageSize(),
                    PooledByteBufAllocator.defaultMaxOrder(), PooledByteBufAllocator.defaultSmallCacheSize(),
                    PooledByteBufAllocator.defaultNormalCacheSize(), true);
            case "adaptive":
                return new AdaptiveByteBufAllocator(true, true);
            case "unpooled":
                return new UnpooledByteBufAllocator(true);
            default:
                throw new IllegalArgumentException("unknown allocator " + name);
        }
    }

    /** @param allocator one from {@link #create}; a numaslab one unmaps its memory. */
    public static void close(final ByteBufAllocator allocator)
    {
        if (allocator instanceof NumaByteBufAllocator)
        {
            ((NumaByteBufAllocator)allocator).numaAllocator().close();
        }
    }

    /**
     * What an allocator holds from the OS for direct buffers, the same thing for each: Netty's pooling allocators
     * report their chunks (in use or not) as {@code usedDirectMemory()}, so numaslab's figure is its mapped regions
     * ({@code ReservedBytes}), not its {@code usedDirectMemory()}, which counts only what is handed out.
     *
     * @param allocator any ByteBufAllocator.
     * @return bytes, or -1 if the allocator does not say.
     */
    public static long directMemoryHeld(final ByteBufAllocator allocator)
    {
        if (allocator instanceof NumaByteBufAllocator)
        {
            return ((NumaByteBufAllocator)allocator).numaAllocator().stats().getReservedBytes();
        }
        return allocator instanceof ByteBufAllocatorMetricProvider ?
            ((ByteBufAllocatorMetricProvider)allocator).metric().usedDirectMemory() : -1;
    }

    /**
     * A size mix like a server's: mostly small messages, some kilobytes, a few large buffers.
     * 50% 64-512 B, 30% 1-4 KiB, 15% 8-16 KiB, 5% 32-64 KiB.
     *
     * @param count how many sizes.
     * @param seed  for the random choice.
     * @return the sizes.
     */
    public static int[] sizeMix(final int count, final long seed)
    {
        final java.util.Random random = new java.util.Random(seed);
        final int[] sizes = new int[count];
        for (int i = 0; i < count; i++)
        {
            final int bucket = random.nextInt(100);
            sizes[i] = bucket < 50 ? 64 + random.nextInt(449) : bucket < 80 ? 1024 + random.nextInt(3073) :
                bucket < 95 ? 8192 + random.nextInt(8193) : 32768 + random.nextInt(32769);
        }
        return sizes;
    }
}
