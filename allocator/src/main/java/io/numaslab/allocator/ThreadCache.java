package io.numaslab.allocator;

import io.numaslab.slab.SizeClasses;
import io.numaslab.slab.Slab;
import io.numaslab.slab.SlabHeap;

/**
 * One thread's cache in front of its node's arena: per size class a LIFO stack of free slots of that node,
 * bounded in entries per class and in bytes overall, plus one pending batch of remote frees per other node.
 * <p>
 * Layout: the stacks of all classes share three flat arrays, class {@code c} at {@code [c * capacity, (c + 1) *
 * capacity)}: the slot's address, its {@link Slab}, and where the slot's live mark is in the slab
 * ({@link Slab#markIndex(int)}), so that a pop marks the slot live without looking anything up or computing it.
 * <p>
 * Only its thread touches it, except after the thread has ended (then the allocator's maintenance reclaims it) and
 * for racy reads of its counters by JMX. Every operation of the hot path is plain loads and stores.
 */
final class ThreadCache
{
    /** Every this many pushes, classes not used since the previous check give their slots back. */
    static final int TRIM_INTERVAL_OPS = 16 * 1024;

    final Thread thread;
    final int capacity;
    final long maxCachedBytes;

    final long[] addresses;
    final Slab[] slabs;
    final int[] marks;
    final int[] counts;
    /** Per class, the most slots kept: an eighth of the byte budget, at least 1, at most {@link #capacity}. */
    final int[] classCapacity;
    /**
     * Per class, whether it took slots back or refilled since the last trim check. Pops do not set it: a class only
     * popped from runs its stack down by itself, and it refills, which sets it, when it needs more.
     */
    final boolean[] used;
    long cachedBytes;
    /** Refills between two sendings of the partly filled batches of remote frees. */
    static final int REFILLS_PER_REMOTE_CHECK = 64;
    private int refillsSinceRemoteCheck;
    /** The allocator's arenas, by index: where pending remote frees go. */
    private final NodeArena[] arenas;
    /** Allocations of this thread that another node served ({@code fallbackToOtherNodes}); only this thread writes. */
    long fallbacks;

    NodeArena arena;
    /** {@code arena.heap}, one load nearer for the free path's "is this slot of my node" test. */
    SlabHeap heap;
    /** The slab of the last slot popped: the free path's first guess for where an address lives. */
    Slab lastSlab;
    ThreadBinding binding;
    ThreadAllocator handle;

    // Counters, read racily by JMX; folded into the arena when the thread ends or rebinds.
    long allocations;
    long frees;
    /** {@code allocations + frees} at the last idle check ({@link NumaAllocator#trimCurrentThreadCacheIfIdle()}). */
    long opsAtIdleCheck = -1;
    final long[] remoteSent;
    final long[] remoteBytesSent;
    final RemoteFreeBatch[] pendingRemote;
    private int opsUntilTrim = TRIM_INTERVAL_OPS;
    private final long[] refillBuffer;
    private final Slab[] refillSlabs;

    ThreadCache(final Thread thread, final NodeArena arena, final ThreadBinding binding, final int capacity,
        final long maxCachedBytes, final NodeArena[] arenas)
    {
        final int arenaCount = arenas.length;
        this.arenas = arenas;
        this.thread = thread;
        this.arena = arena;
        this.heap = arena.heap;
        this.binding = binding;
        this.capacity = capacity;
        this.maxCachedBytes = maxCachedBytes;
        final int classes = SizeClasses.classCount();
        this.addresses = new long[classes * capacity];
        this.slabs = new Slab[classes * capacity];
        this.marks = new int[classes * capacity];
        this.counts = new int[classes];
        this.classCapacity = new int[classes];
        for (int c = 0; c < classes; c++)
        {
            classCapacity[c] = (int)Math.max(1, Math.min(capacity, maxCachedBytes / 8 / SizeClasses.sizeOfClass(c)));
        }
        this.used = new boolean[classes];
        this.remoteSent = new long[arenaCount];
        this.remoteBytesSent = new long[arenaCount];
        this.pendingRemote = new RemoteFreeBatch[arenaCount];
        this.refillBuffer = new long[capacity];
        this.refillSlabs = new Slab[capacity];
    }

    /**
     * Pops a slot of the class and marks it live.
     *
     * @return the address, or 0 if the stack is empty.
     */
    long pop(final int classIndex)
    {
        int n = counts[classIndex];
        if (n == 0)
        {
            return 0;
        }
        n--;
        counts[classIndex] = n;
        final int i = classIndex * capacity + n;
        // slabs[i] keeps its reference: slabs live as long as their chunk, and a stale entry above the count
        // costs nothing, while clearing it would cost a store per allocation
        final Slab slab = slabs[i];
        if (!slab.markLiveAt(marks[i]))
        {
            throw new IllegalStateException("numaslab: slot 0x" + Long.toHexString(addresses[i]) +
                " was live while in a thread cache; the allocator's bookkeeping is broken");
        }
        cachedBytes -= slab.slotSizeBytes();
        if (lastSlab != slab)
        {
            lastSlab = slab;
        }
        allocations++;
        return addresses[i];
    }

    /**
     * Refills the stack of a class from the arena (slow path, under the arena's lock) and pops one slot.
     *
     * @return the address, or 0 if the arena could not get memory.
     */
    long refillAndPop(final int classIndex)
    {
        final int size = SizeClasses.sizeOfClass(classIndex);
        // Half the class's share of the byte budget, so that a class whose slots keep coming back does not refill
        // and flush over and over; and no more than the budget has room for (plus the slot popped at once): a
        // thread whose buffers are freed by others never pushes, where the budget is otherwise kept, and refills
        // of every class would hold 2.5 MiB against a budget of 1.
        final int share = (classCapacity[classIndex] + 1) / 2;
        if (Math.max(0, maxCachedBytes - cachedBytes) / size + 1 < share)
        {
            flushHalfOfLargestClass(); // room for this class's refill, as a push makes room for its slot
        }
        final long room = Math.max(0, maxCachedBytes - cachedBytes) / size;
        final int want = (int)Math.max(1, Math.min(share, room + 1));
        if (++refillsSinceRemoteCheck >= REFILLS_PER_REMOTE_CHECK)
        {
            // a slow path anyway: frees of other nodes' memory go home here too, not only when a batch fills; not
            // on every refill, which for large classes (2-4 slots each) would send batches of a few addresses
            refillsSinceRemoteCheck = 0;
            sendPendingRemote();
        }
        final int got;
        final NodeArena a = arena;
        a.lock.lock();
        try
        {
            if (a.closed)
            {
                return 0; // its chunks are unmapped: the allocator says it is closed
            }
            a.drainRemoteFreesLocked();
            got = a.heap.allocateBatch(classIndex, refillBuffer, refillSlabs, 0, want);
        }
        finally
        {
            a.lock.unlock();
        }
        used[classIndex] = true;
        for (int k = 0; k < got; k++)
        {
            final long address = refillBuffer[k];
            final Slab slab = refillSlabs[k];
            final int i = classIndex * capacity + counts[classIndex]++;
            addresses[i] = address;
            slabs[i] = slab;
            marks[i] = slab.markIndex(slab.slotIndexOf(address));
            cachedBytes += size;
        }
        return pop(classIndex);
    }

    /**
     * Keeps a freed slot of this thread's node, its live mark already cleared. Makes room first if the class's
     * stack or the byte bound is full.
     */
    void push(final int classIndex, final long address, final Slab slab, final int mark)
    {
        final int size = slab.slotSizeBytes();
        if (counts[classIndex] >= classCapacity[classIndex])
        {
            flush(classIndex, Math.max(1, counts[classIndex] / 2));
        }
        if (cachedBytes + size > maxCachedBytes)
        {
            flushHalfOfLargestClass();
            if (cachedBytes + size > maxCachedBytes)
            {
                flushHalfOfEveryClass();
            }
            if (cachedBytes + size > maxCachedBytes)
            {
                freeToArena(address);
                frees++;
                return;
            }
        }
        final int i = classIndex * capacity + counts[classIndex]++;
        addresses[i] = address;
        if (slabs[i] != slab)
        {
            slabs[i] = slab; // most pushes find the same slab there: skipping the store skips its GC write barrier
        }
        marks[i] = mark;
        cachedBytes += size;
        used[classIndex] = true;
        frees++;
        if (--opsUntilTrim == 0)
        {
            opsUntilTrim = TRIM_INTERVAL_OPS;
            trimUnusedClasses();
        }
    }

    /** Adds a freed address of another node to that node's pending batch; sends the batch when it is full. */
    void sendRemote(final NodeArena home, final long address, final int sizeBytes, final NumaAllocator allocator)
    {
        RemoteFreeBatch batch = pendingRemote[home.index];
        if (batch == null)
        {
            batch = allocator.takeBatch();
            pendingRemote[home.index] = batch;
        }
        batch.addresses[batch.count++] = address;
        batch.bytes += sizeBytes;
        remoteSent[home.index]++;
        remoteBytesSent[home.index] += sizeBytes;
        if (batch.count == RemoteFreeBatch.CAPACITY)
        {
            pendingRemote[home.index] = null;
            home.sendHome(batch);
        }
    }

    /** @return whether a partly filled batch of remote frees waits to be sent. */
    boolean hasPendingRemote()
    {
        for (final RemoteFreeBatch batch : pendingRemote)
        {
            if (batch != null)
            {
                return true;
            }
        }
        return false;
    }

    /** Sends every partly filled remote batch home now. */
    void sendPendingRemote()
    {
        for (int k = 0; k < pendingRemote.length; k++)
        {
            final RemoteFreeBatch batch = pendingRemote[k];
            if (batch != null)
            {
                pendingRemote[k] = null;
                arenas[k].sendHome(batch);
            }
        }
    }

    /** Gives every cached slot back to the arena. */
    void flushAll()
    {
        for (int c = 0; c < counts.length; c++)
        {
            if (counts[c] > 0)
            {
                flush(c, counts[c]);
            }
        }
    }

    /**
     * Classes untouched since the last check give all their slots back; the others are marked untouched. Partly
     * filled batches of other nodes' frees go home too: a thread that frees little of them would otherwise keep them
     * from their node for as long as it lives.
     */
    void trimUnusedClasses()
    {
        for (int c = 0; c < counts.length; c++)
        {
            if (!used[c] && counts[c] > 0)
            {
                flush(c, counts[c]);
            }
            used[c] = false;
        }
        sendPendingRemote();
    }

    /** Over the byte budget: the class holding the most bytes gives half back (one lock, not one per class). */
    private void flushHalfOfLargestClass()
    {
        int largest = -1;
        long largestBytes = 0;
        for (int c = 0; c < counts.length; c++)
        {
            final long bytes = (long)counts[c] * SizeClasses.sizeOfClass(c);
            if (bytes > largestBytes)
            {
                largest = c;
                largestBytes = bytes;
            }
        }
        if (largest >= 0)
        {
            flush(largest, (counts[largest] + 1) / 2);
        }
    }

    private void flushHalfOfEveryClass()
    {
        for (int c = 0; c < counts.length; c++)
        {
            if (counts[c] > 0)
            {
                flush(c, (counts[c] + 1) / 2);
            }
        }
    }

    /** Gives the {@code k} oldest (bottom) slots of a class back to the arena, under its lock. */
    private void flush(final int classIndex, final int k)
    {
        final int base = classIndex * capacity;
        final NodeArena a = arena;
        a.lock.lock();
        try
        {
            for (int j = 0; j < k; j++)
            {
                a.heap.free(slabs[base + j], slabs[base + j].slotOfMark(marks[base + j]));
            }
        }
        finally
        {
            a.lock.unlock();
        }
        final int remaining = counts[classIndex] - k;
        System.arraycopy(addresses, base + k, addresses, base, remaining);
        System.arraycopy(slabs, base + k, slabs, base, remaining);
        System.arraycopy(marks, base + k, marks, base, remaining);
        java.util.Arrays.fill(slabs, base + remaining, base + remaining + k, null);
        counts[classIndex] = remaining;
        cachedBytes -= (long)k * SizeClasses.sizeOfClass(classIndex);
    }

    private void freeToArena(final long address)
    {
        final NodeArena a = arena;
        a.lock.lock();
        try
        {
            a.heap.free(address);
        }
        finally
        {
            a.lock.unlock();
        }
    }
}
