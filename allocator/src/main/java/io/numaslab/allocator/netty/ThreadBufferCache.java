package io.numaslab.allocator.netty;

import io.numaslab.allocator.NumaAllocator;
import io.numaslab.allocator.ThreadSlots;
import io.numaslab.allocator.UpperCache;
import io.numaslab.allocator.VirtualThreads;
import io.numaslab.slab.SizeClasses;
import io.netty.util.ResourceLeakDetector;
import io.netty.util.concurrent.FastThreadLocal;
import org.jctools.queues.MpscArrayQueue;

import java.util.IdentityHashMap;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * One thread's released buffers, kept with their memory: per size class a small LIFO stack of {@link NumaByteBuf}s
 * whose slot stays allocated, so that the next direct buffer of that class on this thread is one of them, with
 * nothing to free, allocate or look up in between. This is the fast path of allocate + release.
 * <p>
 * Only memory this thread allocated since its last trim is kept (so it is of this thread's node):
 * <ul>
 *   <li>released on this thread, a buffer goes on the stack of its class if there is room: at most
 *       {@value #BUFFERS_PER_CLASS} per class and {@value #MAX_BYTES} bytes in all;</li>
 *   <li>released on another thread (a producer/consumer pair of event loops), it comes back with its memory
 *       through this cache's MPSC queue, and this thread moves it to a stack when its stack of that class runs empty.
 *       Buffers of slots up to {@value #SMALL_RETURN_MAX_BYTES} bytes come through a queue of
 *       {@value #RETURN_QUEUE_CAPACITY}, larger ones through one of {@value #RETURN_LARGE_BUFFERS}: at most 16 MiB and
 *       4 MiB in flight. The queue costs the releasing thread one
 *       offer, where freeing the memory and giving the object back cost a free and an offer, and it spares this
 *       thread an allocation.</li>
 * </ul>
 * Otherwise its memory is freed as usual. Virtual threads keep nothing: they share {@link #NONE}. Nor is anything
 * kept of an allocator that zeroes freed memory ({@code scrubOnFree}): a kept buffer's memory is not freed.
 * <p>
 * The memory of kept buffers counts as used by the {@link NumaAllocator}; it goes back through the allocator's
 * trimming, as an {@link UpperCache} ({@link #TRIMMER}): {@link NumaAllocator#trimCurrentThreadCache()} and the idle
 * trim of {@link NumaAllocator#trimCurrentThreadCacheIfIdle()} free it, a thread that rebinds to another node frees
 * it first, and the allocator's maintenance frees what a thread held when it ended. A cache keeps buffers of the
 * NumaAllocator its thread last allocated from: allocating from another frees what it held of the previous one.
 * <p>
 * At {@link NumaAllocator#close()}, what the closing thread and threads that have ended kept is freed, as is what
 * a thread kept before Netty removed its FastThreadLocals (an event loop's thread does so before its termination
 * future completes: {@link #FREE_ON_REMOVAL}). What other live threads keep counts as still allocated:
 * {@link #take} hands a buffer out without synchronizing with {@code close()} (its closed check may pass just
 * before), so the regions it is in keep their addresses (mapped to zero pages) rather than be unmapped under it.
 * <p>
 * That is all {@code close()} promises a live thread: memory handed out to it, or kept by its cache, is not unmapped
 * under it. It does not make allocating concurrently with {@code close()} safe: when the thread's stack of the class
 * is empty, the buffer's memory comes from {@link io.numaslab.allocator.ThreadAllocator#allocate}, whose closed
 * check is a plain read (using the allocator while closing it is the caller's race, see NumaAllocator's
 * {@code closed} field), and may be memory that {@code close()} then unmaps: writing to it is a SIGSEGV. Shut the
 * threads that allocate (event loops) down before closing the allocator.
 * <p>
 * Only its thread touches the stacks and polls the queue, except once the thread has ended: then the cache is marked
 * ended and whoever drains it (the maintenance thread, or a thread that gave a buffer back just then) does so under
 * the cache's lock. Metrics read the byte counts racily.
 */
final class ThreadBufferCache
{
    /**
     * Most buffers kept per size class. A thread that gets its buffers back from another moves them onto its stack
     * this many at a time: with 16 rather than 8, {@code crossThreadBatch} went from 22.3 to 20.6 ns per buffer at
     * 1 KiB and from 33.0 to 27.5 ns at 16 KiB (medians of interleaved runs), one thread unchanged.
     */
    static final int BUFFERS_PER_CLASS = 16;
    /** Most bytes of slots kept on the stacks of a thread: room for 8 of the largest class (64 KiB). */
    static final long MAX_BYTES = 512 * 1024;
    /**
     * Most buffers of up to {@link #SMALL_RETURN_MAX_BYTES} in flight back to a thread from others: 16 MiB of 16 KiB
     * slots. A consumer that takes buffers 64 at a time from its producer gives them back 64 at a time; with room for
     * only 64, most of them missed the queue and went the long way (freed by the consumer, allocated again by the
     * producer), and {@code crossThreadBatch} took 29.5 ns per buffer at 1 KiB against 20.5 ns with room for 1024.
     */
    static final int RETURN_QUEUE_CAPACITY = 1024;
    /**
     * The largest slot that comes back through the queue of {@link #RETURN_QUEUE_CAPACITY}: 16 KiB, Netty's common
     * read buffer. At 4 KiB, 16 KiB buffers shared the queue of 64 and {@code crossThreadBatch} (1024 buffers in
     * flight) took 28.2 ns per buffer against 21.9 ns through this queue (medians of 4 interleaved forks a side; in an
     * earlier run with every larger slot through a queue of 512 or 1024, 23.7 and 20.2 ns against 27.7).
     */
    static final int SMALL_RETURN_MAX_BYTES = 16 * 1024;
    /** Most larger buffers in flight back to a thread: 64 of 64 KiB are 4 MiB. */
    static final int RETURN_LARGE_BUFFERS = 64;
    /** How NumaAllocators trim these caches; registered with each one whose buffers a cache keeps. */
    static final UpperCache TRIMMER = new Trimmer();

    private static final System.Logger LOG = System.getLogger(ThreadBufferCache.class.getName());

    /** What virtual threads get: a cache that keeps nothing (a server may run a million of them). */
    private static final ThreadBufferCache NONE = new ThreadBufferCache();
    private static final ThreadSlots<ThreadBufferCache> THREADS = new ThreadSlots<>(
        thread -> VirtualThreads.isVirtual(thread) ? NONE : new ThreadBufferCache(thread));
    /** Every cache, until its thread has ended and what it held is freed. */
    private static final CopyOnWriteArrayList<ThreadBufferCache> CACHES = new CopyOnWriteArrayList<>();
    /**
     * Each platform thread's cache, set on the thread so that Netty's {@link FastThreadLocal#removeAll()} frees it
     * there: an event loop's thread calls it as its loop terminates, before the loop's termination future completes
     * (in {@code SingleThreadEventExecutor}, Netty 4.1 and 4.2), and a thread of Netty's {@code DefaultThreadFactory}
     * as its task ends ({@code FastThreadLocalRunnable}). So after {@code group.shutdownGracefully().sync()} the loops
     * keep nothing, though their threads may not have ended yet, and a {@link NumaAllocator#close()} right after
     * counts none of their buffers as in use. The value is read by nothing else: only its removal matters.
     */
    private static final FastThreadLocal<ThreadBufferCache> FREE_ON_REMOVAL = new FastThreadLocal<ThreadBufferCache>()
    {
        @Override
        protected void onRemoval(final ThreadBufferCache cache)
        {
            cache.freeOnRemoval();
        }
    };

    /**
     * Longs of padding on each side of the owner's counters in {@link #ownerState}: 128 bytes, two cache lines, so
     * that no line holding them also holds something another thread reads or writes (the adjacent-line prefetcher
     * fetches lines in pairs).
     */
    static final int PADDING_LONGS = 16;
    /** Index in {@link #ownerState} of the bytes of the slots on the stacks. */
    static final int BYTES_INDEX = PADDING_LONGS;
    /** Index in {@link #ownerState} of the takes and keeps so far. */
    static final int OPERATIONS_INDEX = PADDING_LONGS + 1;
    /** Index in {@link #ownerState} of the count of buffers on the stack of class 0; class {@code c} follows at +c. */
    static final int COUNTS_INDEX = PADDING_LONGS + 2;

    /** The thread whose cache this is; null for {@link #NONE}. */
    final Thread owner;
    private final NumaByteBuf[] buffers;
    /**
     * What the owner thread writes on every take and keep, in one array apart from everything other threads touch.
     * A thread giving a buffer back reads this object's fields and the queue's; when the owner's counters were
     * plain fields of this object, every buffer given back moved their cache line from the owner's core and back, and
     * the cross-thread benchmarks ran up to three times slower. Layout, in longs:
     * <pre>
     *   0                PADDING_LONGS   +1           COUNTS_INDEX                     +classCount      +PADDING_LONGS
     *   | padding        | bytes         | operations | count of class 0 ... class n-1 | padding        |
     * </pre>
     * {@code bytes} is the bytes of the slots on the stacks, read racily by metrics (plain: a volatile store would
     * cost a fence); {@code operations} the takes and keeps so far, how the allocator's idle trim tells a busy thread.
     */
    private final long[] ownerState;
    /** Buffers given back by other threads, of slots up to {@link #SMALL_RETURN_MAX_BYTES}. */
    private final MpscArrayQueue<NumaByteBuf> returnedSmall;
    /** Buffers given back by other threads, of larger slots. */
    private final MpscArrayQueue<NumaByteBuf> returnedLarge;
    /** The allocator this thread last allocated a buffer from. */
    private NumaAllocator allocatingFrom;
    /**
     * Whose buffers are kept: {@code allocatingFrom}, or null if that allocator zeroes freed memory (a kept buffer
     * is never freed, so it would not be zeroed before its next use).
     */
    private NumaAllocator memory;
    /** Set once the thread has ended, before the cache is drained for the last time. */
    private volatile boolean ended;
    /**
     * Grows each time the allocator trims this thread: a buffer allocated before (say, before the thread rebound to
     * another node) is not kept after. Other threads read it racily; this thread checks again when it drains.
     */
    private int epoch;

    private ThreadBufferCache(final Thread owner)
    {
        this.owner = owner;
        this.buffers = new NumaByteBuf[SizeClasses.classCount() * BUFFERS_PER_CLASS];
        this.ownerState = newOwnerState();
        this.returnedSmall = new MpscArrayQueue<>(RETURN_QUEUE_CAPACITY);
        this.returnedLarge = new MpscArrayQueue<>(RETURN_LARGE_BUFFERS);
        CACHES.add(this);
    }

    /** {@link #NONE}: no thread, no room, and marked ended so that nothing is given back to it. */
    private ThreadBufferCache()
    {
        this.owner = null;
        this.buffers = new NumaByteBuf[0];
        this.ownerState = newOwnerState();
        this.returnedSmall = new MpscArrayQueue<>(2);
        this.returnedLarge = new MpscArrayQueue<>(2);
        this.ended = true;
    }

    private static long[] newOwnerState()
    {
        return new long[COUNTS_INDEX + SizeClasses.classCount() + PADDING_LONGS];
    }

    /** @return the calling thread's cache, made on first use. */
    static ThreadBufferCache ofCurrentThread()
    {
        return THREADS.get();
    }

    /** @return what a buffer allocated on this thread now records, for {@link #keep} and {@link #giveBack}. */
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
        final long[] state = ownerState;
        int n = (int)state[COUNTS_INDEX + classIndex];
        if (n == 0)
        {
            // Both queues, not only this class's: a thread that takes only small buffers still moves on the large
            // ones others gave back to it, rather than leave them waiting for a trim that a busy thread never gets.
            final boolean noSmall = returnedSmall.isEmpty();
            if (noSmall && returnedLarge.isEmpty())
            {
                return null;
            }
            if (!noSmall)
            {
                drainReturned(returnedSmall, BUFFERS_PER_CLASS, classIndex, null);
            }
            drainReturned(returnedLarge, BUFFERS_PER_CLASS, classIndex, null);
            n = (int)state[COUNTS_INDEX + classIndex];
            if (n == 0)
            {
                return null;
            }
        }
        if (this.memory != memory || memory.isClosed())
        {
            return null;
        }
        state[COUNTS_INDEX + classIndex] = n - 1;
        state[BYTES_INDEX] -= SizeClasses.sizeOfClass(classIndex);
        state[OPERATIONS_INDEX]++;
        final int i = classIndex * BUFFERS_PER_CLASS + n - 1;
        final NumaByteBuf buf = buffers[i];
        if (ResourceLeakDetector.isEnabled())
        {
            // A buffer the stack still referenced could never become unreachable, so its leak would go unreported.
            buffers[i] = null;
        }
        // else the entry keeps its reference: it is never read above the count, and the buffer usually comes back
        // to it, so that push skips the store and its GC barriers
        return buf;
    }

    /**
     * Keeps a buffer released on this thread with its slot, if there is room. Owner thread only.
     *
     * @param buf         a buffer whose reference count just reached 0.
     * @param memory      the allocator its slot is from.
     * @param classIndex  the size class of its slot.
     * @param allocatedAt the {@link #epoch()} when its slot was allocated on this thread.
     * @return whether it was kept; if not, the caller frees its memory.
     */
    boolean keep(final NumaByteBuf buf, final NumaAllocator memory, final int classIndex, final int allocatedAt)
    {
        return allocatedAt == epoch && this.memory == memory && push(buf, classIndex);
    }

    /**
     * Notes that this thread allocates a buffer from that allocator. The cache keeps buffers of the allocator the
     * thread last allocated from: a change frees what it held of the previous one. Owner thread only.
     */
    void allocatingFrom(final NumaAllocator newMemory)
    {
        if (allocatingFrom != newMemory && this != NONE)
        {
            freeStacks(null);
            freeReturned(null);
            newMemory.addUpperCache(TRIMMER);
            if (!FREE_ON_REMOVAL.isSet())
            {
                // The thread's first allocation, or its first since FastThreadLocal.removeAll() freed this cache. Or
                // the thread's map of FastThreadLocals went without their onRemoval (InternalThreadLocalMap.remove(),
                // FastThreadLocal.destroy(), an onRemoval that threw earlier in a removeAll()), which a flag of ours
                // would not know: asked of the map, not remembered. Off the hot path: only as the allocator changes.
                FREE_ON_REMOVAL.set(this);
            }
            allocatingFrom = newMemory;
            memory = newMemory.scrubsOnFree() ? null : newMemory;
        }
    }

    /**
     * {@link #FREE_ON_REMOVAL} was removed on the thread, usually as its event loop terminates or as it ends: frees
     * everything as a trim does, so that the memory is the allocator's again, and keeps nothing more until the thread
     * allocates again (which sets the value again). The thread may go on living and allocating (someone called
     * {@link FastThreadLocal#removeAll()} mid-life): that is only a trim, and the next allocation starts over.
     */
    private void freeOnRemoval()
    {
        if (owner != Thread.currentThread())
        {
            return; // removed from the thread's map by another thread: only the owner touches the stacks
        }
        try
        {
            freeEverything(null);
        }
        catch (final VirtualMachineError fatal)
        {
            throw fatal; // out of memory or stack, or the JVM broken: not ours to swallow
        }
        catch (final Throwable ex)
        {
            // A refused free is logged where it happens (free()); this is for anything else, a bug of ours included.
            // Nothing catches it above: an event loop's thread calls removeAll() as it terminates, and a throw there
            // ends the thread before the loop's termination future completes (shutdownGracefully().sync() never
            // returns) and skips the onRemoval of the FastThreadLocals not yet removed (Netty's own cache of pooled
            // buffers).
            LOG.log(System.Logger.Level.WARNING, "numaslab: " + owner.getName() + ": what the thread kept could " +
                "not all be freed as Netty removed its FastThreadLocals", ex);
        }
        finally
        {
            // Keep nothing more: keep() and giveBack() refuse buffers of an allocator other than memory, and a buffer
            // given back by a thread that read the old value stays in the queue, counted as this live thread's.
            allocatingFrom = null;
            memory = null;
        }
    }

    /** @return whether a slot of that many bytes would take the stacks past {@link #MAX_BYTES}. */
    private boolean noRoomFor(final int slotBytes)
    {
        return ownerState[BYTES_INDEX] + slotBytes > MAX_BYTES;
    }

    private boolean push(final NumaByteBuf buf, final int classIndex)
    {
        final long[] state = ownerState;
        final int n = (int)state[COUNTS_INDEX + classIndex];
        final int size = SizeClasses.sizeOfClass(classIndex);
        if (n == BUFFERS_PER_CLASS || noRoomFor(size))
        {
            return false;
        }
        final int i = classIndex * BUFFERS_PER_CLASS + n;
        if (buffers[i] != buf)
        {
            buffers[i] = buf; // usually the same object comes back to the same entry: no store, no GC barrier
        }
        state[COUNTS_INDEX + classIndex] = n + 1;
        state[BYTES_INDEX] += size;
        state[OPERATIONS_INDEX]++;
        return true;
    }

    /**
     * From another thread: gives back, with its memory, a buffer whose slot this cache's thread allocated.
     *
     * @param buf a buffer whose reference count just reached 0, its slot of a size class.
     * @return whether it was taken; if not, the caller frees its memory.
     */
    boolean giveBack(final NumaByteBuf buf)
    {
        if (ended || buf.memory() != memory ||
            !(buf.slotBytes() <= SMALL_RETURN_MAX_BYTES ? returnedSmall : returnedLarge).offer(buf))
        {
            return false;
        }
        if (ended)
        {
            // The thread ended, and its last drain may have run before the offer: drain it again, under the lock
            // that makes this thread and the maintenance thread take turns as the queue's one consumer.
            synchronized (this)
            {
                freeEverything(null);
            }
        }
        return true;
    }

    /**
     * Moves up to {@code max} buffers that other threads gave back onto the stacks, freeing those that do not fit
     * or are not to be kept any more. Owner thread only.
     * <p>
     * One exception: a buffer of the class this thread is taking, once the byte bound is full and some of that class
     * are on their stack, stays in the queue. The thread takes from that stack next, which makes room, and the next
     * drain moves it then; freed, its memory would go back to the allocator only to be allocated again at once. With
     * 16 buffers per class and 512 KiB, this is what happens to 64 KiB buffers past the eighth: freeing them took
     * {@code crossThreadBatch} at 64 KiB from 27 ns (8 per class) to 72-77 ns per buffer, 31 ns with this. Buffers
     * of other classes that do not fit, or of this class while its stack is empty, are still freed. What a drain
     * leaves (this buffer, and any behind it) waits for the next drain, when a stack of this thread runs empty, or
     * for a trim; it counts as kept meanwhile, as everything in the queue does.
     *
     * @param takingClass the class whose empty stack made this thread drain; -1 to keep nothing and free all.
     */
    private void drainReturned(final MpscArrayQueue<NumaByteBuf> returned, final int max, final int takingClass,
        final Map<NumaAllocator, Boolean> freedInto)
    {
        final boolean keep = takingClass >= 0;
        NumaByteBuf buf;
        for (int k = 0; k < max && (buf = returned.relaxedPeek()) != null; k++)
        {
            final int classIndex = buf.slotClass();
            final NumaAllocator bufMemory = buf.memory();
            final boolean keepable = keep && buf.allocatedAt() == epoch && bufMemory == memory &&
                !bufMemory.isClosed();
            if (keepable && classIndex == takingClass && ownerState[COUNTS_INDEX + classIndex] > 0 &&
                noRoomFor(SizeClasses.sizeOfClass(classIndex)))
            {
                return;
            }
            returned.relaxedPoll(); // buf: this thread is the queue's one consumer
            if (!(keepable && push(buf, classIndex)))
            {
                free(buf, freedInto);
            }
        }
    }

    /**
     * Frees everything other threads gave back.
     *
     * @return whether there was anything.
     */
    private boolean freeReturned(final Map<NumaAllocator, Boolean> freedInto)
    {
        final boolean freedSmall = freeAll(returnedSmall, freedInto);
        return freeAll(returnedLarge, freedInto) || freedSmall;
    }

    private boolean freeAll(final MpscArrayQueue<NumaByteBuf> returned, final Map<NumaAllocator, Boolean> freedInto)
    {
        boolean freed = false;
        while (!returned.isEmpty())
        {
            drainReturned(returned, RETURN_QUEUE_CAPACITY, -1, freedInto);
            freed = true;
        }
        return freed;
    }

    /**
     * Frees the memory of every buffer on the stacks (nothing if its allocator is closed) and gives the objects back
     * to their pools. The stacks are empty after, whatever a free throws.
     *
     * @return whether there was any.
     */
    private boolean freeStacks(final Map<NumaAllocator, Boolean> freedInto)
    {
        final long[] state = ownerState;
        if (state[BYTES_INDEX] == 0)
        {
            return false;
        }
        for (int c = 0; c < SizeClasses.classCount(); c++)
        {
            final int base = c * BUFFERS_PER_CLASS;
            final int count = (int)state[COUNTS_INDEX + c];
            // emptied first: whatever a free throws, no count is left above entries already cleared
            state[COUNTS_INDEX + c] = 0;
            for (int j = 0; j < count; j++)
            {
                final NumaByteBuf buf = buffers[base + j];
                buffers[base + j] = null;
                free(buf, freedInto);
            }
        }
        state[BYTES_INDEX] = 0;
        return true;
    }

    /**
     * Frees a kept buffer's memory (nothing if its allocator is closed) and gives the object back to its pool.
     * <p>
     * A refused free (the memory was freed directly, a user's mistake: the cache held it allocated) is logged, not
     * thrown: the cache frees in the background of unrelated calls (a trim, which an event loop runs on a schedule
     * that a throw would cancel, a switch of allocator, an ended thread's reclaim, the next buffer's allocation, Netty
     * removing the thread's FastThreadLocals as its loop ends), none of which must fail for it, and the other
     * buffers are freed all the same.
     *
     * @param freedInto null, or where to note the allocator the memory went back to.
     */
    private static void free(final NumaByteBuf buf, final Map<NumaAllocator, Boolean> freedInto)
    {
        final NumaAllocator bufMemory = buf.memory();
        final boolean open = !bufMemory.isClosed();
        try
        {
            buf.freeKeptMemory(open);
        }
        catch (final RuntimeException refused)
        {
            LOG.log(System.Logger.Level.WARNING, "numaslab: a released Netty buffer's memory could not be freed: it " +
                "was freed already, not through the buffer (the other kept buffers are freed)", refused);
            return;
        }
        if (open && freedInto != null)
        {
            freedInto.put(bufMemory, Boolean.TRUE);
        }
    }

    /**
     * Frees the stacks and everything given back. The owner, or whoever holds the lock once the owner ended. A refused
     * free does not stop it ({@link #free}).
     *
     * @param freedInto null, or where to note the allocators the memory went back to.
     * @return whether there was anything.
     */
    private boolean freeEverything(final Map<NumaAllocator, Boolean> freedInto)
    {
        epoch++;
        final boolean freed = freeStacks(freedInto);
        return freeReturned(freedInto) || freed;
    }

    /**
     * @return bytes of slots kept for that allocator's next buffers by every thread (a racy sum): on its stacks,
     *         and given back by other threads and waiting in its queue.
     */
    static long bytesKept(final NumaAllocator memory)
    {
        long sum = 0;
        for (final ThreadBufferCache cache : CACHES)
        {
            sum += cache.bytesKeptOf(memory);
        }
        return sum;
    }

    /**
     * @return bytes of slots kept for that allocator by threads that have ended, not yet freed: memory no thread can
     *         hand out any more. Under the lock of {@link #reclaimEnded}, so as not to count a cache it is freeing.
     */
    static synchronized long bytesKeptForEndedThreads(final NumaAllocator memory)
    {
        long sum = 0;
        for (final ThreadBufferCache cache : CACHES)
        {
            // isAlive() false: the thread's last action happens-before this, so its stacks are read exactly
            if (!cache.owner.isAlive())
            {
                sum += cache.bytesKeptOf(memory);
            }
        }
        return sum;
    }

    /**
     * Exact once the owner has ended; racy while it lives (its allocator may change between the reads).
     *
     * @return bytes of slots of that allocator that this cache keeps. The stacks hold buffers of {@link #memory}
     *         only: the owner alone pushes, only buffers of {@code memory}, and empties them before {@code memory}
     *         changes. The queues may hold another allocator's: a thread giving a buffer back may read
     *         {@code memory} just before the owner switches to another allocator and drains them, and offer it just
     *         after. So they are counted buffer by buffer: counted for the cache's allocator, another's bytes would
     *         make {@code close()} of it take them for free bytes of its own, and unmap memory still in use.
     */
    private long bytesKeptOf(final NumaAllocator of)
    {
        final long onStacks = memory == of ? ownerState[BYTES_INDEX] : 0;
        return onStacks + bytesIn(returnedSmall, of) + bytesIn(returnedLarge, of);
    }

    /**
     * @return bytes of the slots of the buffers of that allocator in a return queue (JCTools' weakly consistent
     *         iterator: no consumer).
     */
    private static long bytesIn(final MpscArrayQueue<NumaByteBuf> returned, final NumaAllocator of)
    {
        long sum = 0;
        for (final NumaByteBuf buf : returned)
        {
            if (buf.memory() == of)
            {
                sum += buf.slotBytes();
            }
        }
        return sum;
    }

    /**
     * Frees the calling thread's kept buffers of that allocator, and what others gave back; buffers allocated until
     * now will not be kept.
     *
     * @return whether there were any.
     */
    static boolean trimCurrentThread(final NumaAllocator memory)
    {
        final ThreadBufferCache cache = THREADS.getIfPresent();
        if (cache == null || cache == NONE)
        {
            return false;
        }
        if (cache.memory != memory)
        {
            cache.epoch++;
            return false;
        }
        return cache.freeEverything(null);
    }

    /**
     * Frees what threads that have ended kept, whatever their allocator, and forgets their caches. Memory of other
     * allocators than the asking one goes back to their arenas here; the asking one's maintenance does that for its
     * own.
     */
    private static synchronized boolean reclaimEnded(final NumaAllocator asking)
    {
        final Map<NumaAllocator, Boolean> freedInto = new IdentityHashMap<>();
        for (final ThreadBufferCache cache : CACHES)
        {
            // isAlive() false: the thread's last action happens-before this, so its stacks are ours now
            if (!cache.owner.isAlive())
            {
                cache.ended = true;
                synchronized (cache)
                {
                    cache.freeEverything(freedInto);
                }
                CACHES.remove(cache);
            }
        }
        for (final NumaAllocator other : freedInto.keySet())
        {
            if (other != asking && !other.isClosed())
            {
                other.trimCurrentThreadCache();
            }
        }
        return freedInto.containsKey(asking);
    }

    /** The allocator's view of these caches. */
    private static final class Trimmer implements UpperCache
    {
        @Override
        public long operationsOfCurrentThread(final NumaAllocator allocator)
        {
            final ThreadBufferCache cache = THREADS.getIfPresent();
            return cache != null && cache.memory == allocator ? cache.ownerState[OPERATIONS_INDEX] : 0;
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

        @Override
        public long bytesHeldForEndedThreads(final NumaAllocator allocator)
        {
            return bytesKeptForEndedThreads(allocator);
        }
    }
}
