package io.numaslab.allocator;

/** The allocator's totals over every node, registered as {@code io.numaslab:type=NumaAllocator}. */
public interface NumaAllocatorMXBean
{
    /** @return the nodes with arenas. */
    int[] getNodes();

    /** @return bytes of regions mapped over all nodes. */
    long getReservedBytes();

    /** @return bytes handed out and not yet freed over all nodes. */
    long getUsedBytes();

    /** @return bytes held in thread caches over all nodes. */
    long getCachedBytes();

    /** @return bytes of mapped chunks with nothing allocated in them, over all nodes. */
    long getEmptyChunkBytes();

    /** @return allocations over all nodes. */
    long getAllocations();

    /** @return frees over all nodes. */
    long getFrees();

    /** @return remote frees over all nodes. */
    long getRemoteFrees();

    /** @return remote frees not yet received home, over all nodes. */
    long getPendingRemoteFrees();

    /** @return failed allocations over all nodes. */
    long getFailures();

    /** @return allocations served by another node than the thread's, over all nodes. */
    long getFallbacks();

    /** @return threads with a live cache. */
    int getThreadCaches();
}
