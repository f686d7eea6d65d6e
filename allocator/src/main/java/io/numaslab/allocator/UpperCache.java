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

    /**
     * How much of the allocator's memory this cache holds for all threads, handed out to no one: at
     * {@link NumaAllocator#close()}, memory still allocated but held here is not memory a user may still touch.
     * A racy sum is fine. The default, 0, makes {@code close()} count everything held here as still in use, and so
     * keep the addresses of the regions it is in mapped (to zero pages) until the process ends.
     *
     * @param allocator the allocator asking.
     * @return bytes held, 0 or more.
     */
    default long bytesHeld(final NumaAllocator allocator)
    {
        return 0;
    }
}
