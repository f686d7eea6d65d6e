package io.numaslab.allocator.netty;

import io.numaslab.allocator.NumaAllocator;
import io.numaslab.allocator.ThreadSlots;
import io.numaslab.allocator.UpperCache;
import io.numaslab.slab.SizeClasses;

import java.util.concurrent.CopyOnWriteArrayList;

/**
 * One thread's released buffers, kept with their memory: per size class a small LIFO stack of {@link NumaByteBuf}s
 * whose slot stays allocated, so that the next direct buffer of that class on this thread is one of them, with
 * nothing to free, allocate or look up in between. This is the fast path of allocate + release.
 * <p>
 * A buffer is kept only when it is released on the thread that allocated its memory (so it is of that thread's
 * node), its slot is a size class, and the cache has room: at most {@value #BUFFERS_PER_CLASS} per class and
 * {@value #MAX_BYTES} bytes in all. Otherwise its memory is freed as usual.
 * <p>
 * The memory of kept buffers counts as used by the {@link NumaAllocator}; it goes back through the allocator's
 * trimming, as an {@link UpperCache} ({@link #TRIMMER}): {@link NumaAllocator#trimCurrentThreadCache()} and the idle
 * trim of {@link NumaAllocator#trimCurrentThreadCacheIfIdle()} free it, a thread that rebinds to another node frees
 * it first, and the allocator's maintenance frees what a thread held when it ended. A cache holds buffers of one
 * NumaAllocator at a time: keeping a buffer of another frees those of the previous one.
 * <p>
 * Only its thread touches a cache, except that once the thread has ended the maintenance thread frees its buffers,
 * and that metrics read {@code bytes} racily.
 */
final class ThreadBufferCache
{
    /** Most buffers kept per size class. */
    static final int BUFFERS_PER_CLASS = 8;
    /** Most bytes of slots kept per thread. */
    static final long MAX_BYTES = 256 * 1024;
    /** How NumaAllocators trim these caches; registered with each one whose buffers a cache keeps. */
    static final UpperCache TRIMMER = new Trimmer();

    private static final ThreadSlots<ThreadBufferCache> THREADS = new ThreadSlots<>(ThreadBufferCache::new);
    /** Caches that have kept buffers, until their thread has ended and the buffers are freed. */
    private static final CopyOnWriteArrayList<ThreadBufferCache> HOLDERS = new CopyOnWriteArrayList<>();

    final Thread owner;
    private final NumaByteBuf[] buffers = new NumaByteBuf[SizeClasses.classCount() * BUFFERS_PER_CLASS];
    private final int[] counts = new int[SizeClasses.classCount()];
    /** Whose memory the kept buffers hold; null until the first is kept. */
    private NumaAllocator memory;
    /** Bytes of the slots of kept buffers; read racily by metrics (plain: a volatile store would cost a fence). */
    private long bytes;
    /** Takes and keeps so far: how the allocator's idle trim tells a busy thread. */
    private long operations;
    /**
     * Grows each time the allocator trims this thread: a buffer allocated before (say, before the thread rebound to
     * another node) is not kept after.
     */
    private int epoch;
    private boolean listed;

    private ThreadBufferCache(final Thread owner)
    {
        this.owner = owner;
    }

    /** @return the calling thread's cache, made on first use. */
    static ThreadBufferCache ofCurrentThread()
    {
        return THREADS.get();
    }

    /** @return what a buffer allocated on this thread now records, for {@link #keep}. */
    int epoch()
    {
        return epoch;
    }

    /**
     * Takes a kept buffer of the class, of that allocator's memory. Owner thread only.
     *
     * @return the buffer (reference count 0, its old slot still allocated to it), or null if there is none.
     */
    NumaByteBuf take(final NumaAllocator memory, final int classIndex)
    {
        final int n = counts[classIndex];
        if (n == 0 || this.memory != memory || memory.isClosed())
        {
            return null;
        }
        counts[classIndex] = n - 1;
        bytes -= SizeClasses.sizeOfClass(classIndex);
        operations++;
        // the slot keeps its reference: an entry above the count is never read, and clearing it would cost a store
        return buffers[classIndex * BUFFERS_PER_CLASS + n - 1];
    }

    /**
     * Keeps a released buffer with its slot, if there is room. Owner thread only.
     *
     * @param buf        a buffer whose reference count just reached 0.
     * @param memory     the allocator its slot is from.
     * @param classIndex the size class of its slot.
     * @param allocatedAt the {@link #epoch()} when its slot was allocated on this thread.
     * @return whether it was kept; if not, the caller frees its memory.
     */
    boolean keep(final NumaByteBuf buf, final NumaAllocator memory, final int classIndex, final int allocatedAt)
    {
        if (allocatedAt != epoch || this.memory != memory && !switchTo(memory))
        {
            return false;
        }
        final int n = counts[classIndex];
        final int size = SizeClasses.sizeOfClass(classIndex);
        if (n == BUFFERS_PER_CLASS || bytes + size > MAX_BYTES)
        {
            return false;
        }
        final int i = classIndex * BUFFERS_PER_CLASS + n;
        if (buffers[i] != buf)
        {
            buffers[i] = buf; // usually the same object comes back to the same entry: no store, no GC barrier
        }
        counts[classIndex] = n + 1;
        bytes += size;
        operations++;
        return true;
    }

    /**
     * Starts keeping buffers of another allocator: the buffers of the previous one are freed first. A thread that
     * alternates between allocators keeps less, but never holds on to one allocator's memory for long.
     */
    private boolean switchTo(final NumaAllocator newMemory)
    {
        if (newMemory.isClosed())
        {
            return false;
        }
        freeAll();
        newMemory.addUpperCache(TRIMMER);
        memory = newMemory;
        if (!listed)
        {
            listed = true;
            HOLDERS.add(this);
        }
        return true;
    }

    /**
     * Frees the memory of every kept buffer (nothing if its allocator is closed) and gives the objects back to their
     * pools. The owner thread, or any thread once the owner has ended.
     *
     * @return whether any buffer was kept.
     */
    private boolean freeAll()
    {
        if (bytes == 0)
        {
            return false;
        }
        final boolean open = !memory.isClosed();
        for (int c = 0; c < counts.length; c++)
        {
            final int base = c * BUFFERS_PER_CLASS;
            for (int j = 0; j < counts[c]; j++)
            {
                final NumaByteBuf buf = buffers[base + j];
                buffers[base + j] = null;
                buf.freeKeptMemory(open);
            }
            counts[c] = 0;
        }
        bytes = 0;
        return true;
    }

    /** @return bytes of slots kept by every thread for that allocator (a racy sum). */
    static long bytesKept(final NumaAllocator memory)
    {
        long sum = 0;
        for (final ThreadBufferCache cache : HOLDERS)
        {
            if (cache.memory == memory)
            {
                sum += cache.bytes;
            }
        }
        return sum;
    }

    /**
     * Frees the calling thread's kept buffers of that allocator; buffers allocated until now will not be kept.
     *
     * @return whether there were any.
     */
    static boolean trimCurrentThread(final NumaAllocator memory)
    {
        final ThreadBufferCache cache = THREADS.getIfPresent();
        if (cache == null)
        {
            return false;
        }
        cache.epoch++;
        return cache.memory == memory && cache.freeAll();
    }

    /** Frees what threads that have ended kept of that allocator; drops caches whose allocator is closed. */
    private static synchronized boolean reclaimEnded(final NumaAllocator memory)
    {
        boolean freed = false;
        for (final ThreadBufferCache cache : HOLDERS)
        {
            // isAlive() false: the thread's last action happens-before this, so its cache is ours now
            if (!cache.owner.isAlive() && (cache.memory == memory || cache.memory.isClosed()))
            {
                freed |= cache.freeAll();
                HOLDERS.remove(cache);
            }
        }
        return freed;
    }

    /** The allocator's view of these caches. */
    private static final class Trimmer implements UpperCache
    {
        @Override
        public long operationsOfCurrentThread(final NumaAllocator allocator)
        {
            final ThreadBufferCache cache = THREADS.getIfPresent();
            return cache != null && cache.memory == allocator ? cache.operations : 0;
        }

        @Override
        public boolean trimCurrentThread(final NumaAllocator allocator)
        {
            return ThreadBufferCache.trimCurrentThread(allocator);
        }

        @Override
        public boolean reclaimEndedThreads(final NumaAllocator allocator)
        {
            return reclaimEnded(allocator);
        }
    }
}
