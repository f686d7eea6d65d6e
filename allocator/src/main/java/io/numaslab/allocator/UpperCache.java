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
 *   <li>{@link NumaAllocator#close()} frees what threads that have ended and the calling thread hold
 *       ({@link #reclaimEndedThreads}, then {@link #trimCurrentThread}), and counts what live threads hold as
 *       possibly in use ({@link #bytesHeldForEndedThreads}).</li>
 * </ul>
 * Memory held in an upper cache counts as used by the allocator until the upper cache frees it.
 * <p>
 * For implementers: {@link #reclaimEndedThreads} always, and {@link #trimCurrentThread} during {@code close()}, run
 * under the allocator's maintenance lock, which {@code close()}, {@link NumaAllocator#maintainNow()} and the
 * maintenance thread take. Do not wait there for another thread that may be taking it (one closing the allocator or
 * maintaining it): it never gets it. A RuntimeException thrown by a method here during {@code close()} is logged,
 * and what the cache holds then counts as still in use; {@code close()} goes on.
 */
public interface UpperCache
{
    /**
     * @param allocator the allocator asking.
     * @return a count that grows each time the calling thread uses this cache for the allocator's memory.
     */
    long operationsOfCurrentThread(NumaAllocator allocator);

    /**
     * Frees all of the allocator's memory that the calling thread holds in this cache. Called by
     * {@link NumaAllocator#trimCurrentThreadCache()} (after close too: then drop what is held without freeing it, as
     * the memory is gone), by the idle trim and a rebinding of the thread, and by {@link NumaAllocator#close()} on the
     * closing thread, under the maintenance lock and before the allocator is marked closed.
     *
     * @param allocator the allocator asking.
     * @return whether there was anything to free.
     */
    boolean trimCurrentThread(NumaAllocator allocator);

    /**
     * Frees all of the allocator's memory held for threads that have ended. Called under the allocator's maintenance
     * lock: by its maintenance (on the maintenance thread, or the thread in {@link NumaAllocator#maintainNow()}),
     * which then gives what it freed back to the arenas, and by {@link NumaAllocator#close()} on the closing thread,
     * before the allocator is marked closed, so that what it frees counts as free there.
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
     * A racy sum is fine, as long as it counts only threads that have ended, none whose memory is being freed at
     * the same time (it would be counted twice as free), and only memory of this allocator (another's would count as
     * this one's free memory). The default, 0, counts everything held here as possibly in use, as does an exception,
     * which {@code close()} logs.
     *
     * @param allocator the allocator asking, closed already.
     * @return bytes held for threads that have ended, 0 or more.
     */
    default long bytesHeldForEndedThreads(final NumaAllocator allocator)
    {
        return 0;
    }
}
