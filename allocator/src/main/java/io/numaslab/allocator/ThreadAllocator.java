package io.numaslab.allocator;

/**
 * The calling thread's way into a {@link NumaAllocator} without a thread-local lookup per call: the same
 * allocate and free, bound to one thread's cache. Take it once per thread with
 * {@link NumaAllocator#threadAllocator()} and use it only on that thread; any thread may still free what it
 * allocated, through the allocator or its own handle.
 */
public final class ThreadAllocator
{
    private final NumaAllocator allocator;
    private final ThreadCache cache;

    ThreadAllocator(final NumaAllocator allocator, final ThreadCache cache)
    {
        this.allocator = allocator;
        this.cache = cache;
    }

    /**
     * As {@link NumaAllocator#allocate(int)}.
     *
     * @param sizeBytes 1 to the allocator's maximum.
     * @return the address.
     * @throws IllegalStateException if called from another thread than the one that took this handle.
     */
    public long allocate(final int sizeBytes)
    {
        checkThread();
        return allocator.allocate(cache, sizeBytes);
    }

    /**
     * As {@link NumaAllocator#free(long)}.
     *
     * @param address an address the allocator handed out and that has not been freed since.
     * @throws IllegalStateException if called from another thread than the one that took this handle.
     */
    public void free(final long address)
    {
        checkThread();
        allocator.free(cache, address);
    }

    /**
     * @return how many of this thread's allocations another node served, because its own was full and the allocator
     *         falls back ({@link NumaAllocator.Builder#fallbackToOtherNodes}): compared before and after an
     *         allocation, it tells whether that memory is of this thread's node. Read on this thread.
     */
    public long fallbacks()
    {
        return cache.fallbacks;
    }

    /** @return the allocator this handle belongs to. */
    public NumaAllocator allocator()
    {
        return allocator;
    }

    private void checkThread()
    {
        if (Thread.currentThread() != cache.thread)
        {
            throw new IllegalStateException("this ThreadAllocator belongs to thread '" + cache.thread.getName() +
                "', not '" + Thread.currentThread().getName() + "'");
        }
    }
}
