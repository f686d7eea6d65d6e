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
 *   <li>the allocator's maintenance frees what threads that have ended held ({@link #reclaimEndedThreads});</li>
 *   <li>{@link NumaAllocator#close()} frees what the calling thread and threads that have ended hold, and counts
 *       what live threads hold as possibly in use ({@link #bytesHeldForEndedThreads}).</li>
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
     * How much of the allocator's memory this cache holds for threads that have ended, not yet freed by
     * {@link #reclaimEndedThreads}: memory that no thread can hand out any more. {@link NumaAllocator#close()} counts
     * it as free. Everything else held here counts there as possibly in use, since a live thread may be handing a
     * piece of it out at that very moment (past its check that the allocator is open), and so keeps the addresses of
     * the regions it is in mapped (to zero pages) until the process ends: close the threads that use a cache (event
     * loops) before the allocator. {@code close()} first frees what ended threads and the calling thread hold, so
     * this is for threads that end while it runs.
     * <p>
     * A racy sum is fine, as long as it counts only threads that have ended, and none whose memory is being freed at
     * the same time (it would be counted twice as free). The default, 0, counts everything held here as possibly in
     * use.
     *
     * @param allocator the allocator asking, closed already.
     * @return bytes held for threads that have ended, 0 or more.
     */
    default long bytesHeldForEndedThreads(final NumaAllocator allocator)
    {
        return 0;
    }
}
