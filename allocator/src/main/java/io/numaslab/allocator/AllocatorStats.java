package io.numaslab.allocator;

import java.util.function.ToLongFunction;

/** Sums the {@link NodeArenaStats} of every node for the {@link NumaAllocatorMXBean}. */
final class AllocatorStats implements NumaAllocatorMXBean
{
    private final NumaAllocator allocator;

    AllocatorStats(final NumaAllocator allocator)
    {
        this.allocator = allocator;
    }

    private long sum(final ToLongFunction<NodeArenaStats> counter)
    {
        long total = 0;
        for (final NodeArena arena : allocator.arenas())
        {
            total += counter.applyAsLong(new NodeArenaStats(allocator, arena));
        }
        return total;
    }

    @Override
    public int[] getNodes()
    {
        return allocator.nodes();
    }

    @Override
    public long getReservedBytes()
    {
        return sum(NodeArenaStats::getReservedBytes);
    }

    @Override
    public long getUsedBytes()
    {
        return sum(NodeArenaStats::getUsedBytes);
    }

    @Override
    public long getCachedBytes()
    {
        return sum(NodeArenaStats::getCachedBytes);
    }

    @Override
    public long getEmptyChunkBytes()
    {
        return sum(NodeArenaStats::getEmptyChunkBytes);
    }

    @Override
    public long getAllocations()
    {
        return sum(NodeArenaStats::getAllocations);
    }

    @Override
    public long getFrees()
    {
        return sum(NodeArenaStats::getFrees);
    }

    @Override
    public long getRemoteFrees()
    {
        return sum(NodeArenaStats::getRemoteFrees);
    }

    @Override
    public long getPendingRemoteFrees()
    {
        return sum(NodeArenaStats::getPendingRemoteFrees);
    }

    @Override
    public long getFailures()
    {
        return sum(NodeArenaStats::getFailures);
    }

    @Override
    public long getFallbacks()
    {
        return sum(NodeArenaStats::getFallbacks);
    }

    @Override
    public int getThreadCaches()
    {
        return allocator.liveCaches().size();
    }
}
