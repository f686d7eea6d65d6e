package io.numaslab.allocator;

import java.util.List;

/**
 * One node's arena as JMX shows it, registered as {@code io.numaslab:type=NodeArena,node=N}. Counters are read
 * without stopping the threads that change them, so while they run the numbers may be a moment apart; at rest
 * they are exact.
 */
public interface NodeArenaMXBean
{
    /** @return the node. */
    int getNode();

    /** @return the page kind of the regions mapped most recently (or the one configured, before any). */
    String getPageKind();

    /** @return why the last region mapped is not of the configured page kind; empty if it is. */
    List<String> getPageKindFallbackReasons();

    /** @return bytes of regions mapped on the node. */
    long getReservedBytes();

    /** @return bytes handed out to callers and not yet freed (by size class, page run or region). */
    long getUsedBytes();

    /** @return bytes of free slots held in the caches of the node's threads. */
    long getCachedBytes();

    /**
     * @return bytes of chunks with nothing allocated in them, still mapped: the retained ones, and those that go back
     *     to the OS once they have stayed empty for a maintenance period.
     */
    long getEmptyChunkBytes();

    /** @return bytes of mapped regions backed by huge pages (hugetlb, or THP per smaps). */
    long getHugePageBackedBytes();

    /** @return the node's byte limit, or Long.MAX_VALUE for none. */
    long getLimitBytes();

    /** @return allocations served from the node's memory. */
    long getAllocations();

    /** @return frees of the node's memory, from any thread. */
    long getFrees();

    /** @return frees of the node's memory by threads of other nodes, received home. */
    long getRemoteFrees();

    /** @return frees of the node's memory sent home by other nodes' threads and not yet reused. */
    long getPendingRemoteFrees();

    /** @return allocations the node could not serve. */
    long getFailures();

    /** @return of those failures, allocations served by another node instead. */
    long getFallbacks();

    /** @return regions mapped on the node since the allocator was built. */
    long getRegionsMapped();

    /** @return regions given back to the OS (all their chunks empty) since the allocator was built. */
    long getRegionsUnmapped();

    /** @return per size class: slots taken from the slabs and slots free in them. */
    List<SizeClassUsage> getSizeClasses();
}
