package io.numaslab.allocator;

/**
 * A per-thread cache of a {@link NumaAllocator}'s memory kept by a layer above it, which the allocator trims
 * along with its own thread caches (NumaByteBufAllocator keeps released buffers with their memory this way).
 * Register one with {@link NumaAllocator#addUpperCache(UpperCache)}; then
 * <ul>
 *   <li>{@link NumaAllocator#trimCurrentThreadCache()} and a rebinding of the thread to another node first make it
 *       give back what the calling thread holds ({@link #trimCurrentThread});</li>
 *   <li>{@link NumaAllocator#trimCurrentThreadCacheIfIdle()} counts its use ({@link #operationsOfCurrentThread}) as
 *       the thread's, so a thread busy only with the upper cache is not idle;</li>
 *   <li>the allocator's maintenance frees what threads that have ended held ({@link #reclaimEndedThreads}).</li>
 * </ul>
 * Memory held in an upper cache counts as used by the allocator until the upper cache frees it.
 */
public interface UpperCache
{
    /**
     * @param allocator the allocator asking.
     * @return a count that grows each time the calling thread uses this cache for the allocator's memory.
     */
    long operationsOfCurrentThread(NumaAllocator allocator);

    /**
     * Frees all of the allocator's memory that the calling thread holds in this cache.
     *
     * @param allocator the allocator asking.
     * @return whether there was anything to free.
     */
    boolean trimCurrentThread(NumaAllocator allocator);

    /**
     * Frees all of the allocator's memory held for threads that have ended. Called on the allocator's
     * maintenance thread, which then gives what it freed back to the arenas.
     *
     * @param allocator the allocator asking.
     * @return whether anything was freed.
     */
    boolean reclaimEndedThreads(NumaAllocator allocator);
}
