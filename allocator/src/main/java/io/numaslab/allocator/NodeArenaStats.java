package io.numaslab.allocator;

import io.numaslab.hugepages.Region;
import io.numaslab.hugepages.Smaps;
import io.numaslab.hugepages.SmapsSnapshot;

import java.util.Arrays;
import java.util.List;
import java.util.function.Supplier;

/** Computes a node's {@link NodeArenaMXBean} numbers from its arena and the thread caches bound to it. */
final class NodeArenaStats implements NodeArenaMXBean
{
    private final NumaAllocator allocator;
    private final NodeArena arena;

    NodeArenaStats(final NumaAllocator allocator, final NodeArena arena)
    {
        this.allocator = allocator;
        this.arena = arena;
    }

    @Override
    public int getNode()
    {
        return arena.node;
    }

    @Override
    public String getPageKind()
    {
        return String.valueOf(arena.chunkSource.lastPageKind() != null ? arena.chunkSource.lastPageKind() :
            arena.chunkSource.configuredPageKind());
    }

    @Override
    public List<String> getPageKindFallbackReasons()
    {
        return arena.chunkSource.fallbackReasons();
    }

    @Override
    public long getReservedBytes()
    {
        return arena.mappedBytes();
    }

    @Override
    public long getUsedBytes()
    {
        return usedBytes(allocator, arena);
    }

    static long usedBytes(final NumaAllocator allocator, final NodeArena arena)
    {
        // Three racy reads: a refill between them (the heap's count up, then the thread's cache) can make the
        // difference briefly negative; in use is never below 0 (JmxGaugeTest saw -55296 on JDK 25 before the clamp).
        return handedOut(allocator, arena, arena.heapUsedBytes());
    }

    /**
     * @return bytes of the arena's chunks still handed out (slots and page runs), without its regions of their own.
     *         Under the arena's lock.
     */
    static long chunkBytesHandedOutLocked(final NumaAllocator allocator, final NodeArena arena)
    {
        return handedOut(allocator, arena, arena.heap.usedBytes());
    }

    /** @return the bytes the heap counts used, less those in thread caches and on their way home (never below 0). */
    private static long handedOut(final NumaAllocator allocator, final NodeArena arena, final long heapUsedBytes)
    {
        return Math.max(0, heapUsedBytes - cachedBytes(allocator, arena) - pendingRemoteBytes(allocator, arena));
    }

    @Override
    public long getEmptyChunkBytes()
    {
        return arena.emptyChunkBytes();
    }

    @Override
    public long getCachedBytes()
    {
        return cachedBytes(allocator, arena);
    }

    @Override
    public long getHugePageBackedBytes()
    {
        return hugePageBackedBytes(Smaps::read);
    }

    /**
     * @param readSmaps reads {@code /proc/self/smaps} ({@code Smaps::read}, or one that counts the reads in a test).
     * @return as {@link #getHugePageBackedBytes()}: smaps read once at most, and only if a region is THP.
     */
    long hugePageBackedBytes(final Supplier<SmapsSnapshot> readSmaps)
    {
        // the chunks' regions, and the regions of their own that ReservedBytes counts too: all listed before smaps
        // is read, so that none was mapped after the snapshot
        final List<Region> regions = arena.chunkSource.regions();
        regions.addAll(allocator.largeRegionsOf(arena));
        return new HugePageTally(readSmaps).bytesOfListed(regions);
    }

    @Override
    public long getLimitBytes()
    {
        return arena.chunkSource.limitBytes();
    }

    @Override
    public long getAllocations()
    {
        long total = arena.retiredAllocations + arena.lockedAllocations;
        for (final ThreadCache cache : allocator.liveCaches())
        {
            if (cache.arena == arena)
            {
                total += cache.allocations;
            }
        }
        return total;
    }

    @Override
    public long getFrees()
    {
        long total = arena.retiredFrees + arena.lockedFrees + arena.remoteFreesReceived;
        for (final ThreadCache cache : allocator.liveCaches())
        {
            if (cache.arena == arena)
            {
                total += cache.frees;
            }
        }
        return total;
    }

    @Override
    public long getRemoteFrees()
    {
        return arena.remoteFreesReceived;
    }

    @Override
    public long getPendingRemoteFrees()
    {
        // Received first: it never runs ahead of what was sent, so reading it before the sent counters keeps the
        // difference from going negative when a batch is sent and drained between the reads.
        final long received = arena.remoteFreesReceived;
        return Math.max(0, remoteSentTo(allocator, arena, false) - received);
    }

    @Override
    public long getFailures()
    {
        return arena.failures.get();
    }

    @Override
    public long getFallbacks()
    {
        return arena.fallbacks.get();
    }

    @Override
    public long getRegionsMapped()
    {
        return arena.chunkSource.regionsMapped();
    }

    @Override
    public long getRegionsUnmapped()
    {
        return arena.chunkSource.regionsUnmapped();
    }

    @Override
    public List<SizeClassUsage> getSizeClasses()
    {
        return Arrays.asList(arena.sizeClassUsage());
    }

    private static long cachedBytes(final NumaAllocator allocator, final NodeArena arena)
    {
        long total = 0;
        for (final ThreadCache cache : allocator.liveCaches())
        {
            if (cache.arena == arena)
            {
                total += cache.cachedBytes;
            }
        }
        return total;
    }

    private static long pendingRemoteBytes(final NumaAllocator allocator, final NodeArena arena)
    {
        final long received = arena.remoteBytesReceived;
        return Math.max(0, remoteSentTo(allocator, arena, true) - received);
    }

    private static long remoteSentTo(final NumaAllocator allocator, final NodeArena arena, final boolean bytes)
    {
        // Live caches before the retired totals: a cache retired between the two reads is then counted twice (an
        // overestimate for a moment), never not at all.
        long total = 0;
        for (final ThreadCache cache : allocator.liveCaches())
        {
            total += bytes ? cache.remoteBytesSent[arena.index] : cache.remoteSent[arena.index];
        }
        for (final NodeArena from : allocator.arenas())
        {
            total += bytes ? from.retiredRemoteBytesSent[arena.index] : from.retiredRemoteSent[arena.index];
        }
        return total;
    }
}
