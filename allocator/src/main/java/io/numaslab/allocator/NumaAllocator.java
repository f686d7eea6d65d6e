package io.numaslab.allocator;

import io.numaslab.hugepages.PageKind;
import io.numaslab.hugepages.Region;
import io.numaslab.hugepages.RegionMappingException;
import io.numaslab.numa.CpuList;
import io.numaslab.numa.Numa;
import io.numaslab.numa.NumaNode;
import io.numaslab.numa.NumaTopology;
import io.numaslab.slab.Chunk;
import io.numaslab.slab.ChunkTable;
import io.numaslab.slab.InvalidFreeException;
import io.numaslab.slab.SizeClasses;
import io.numaslab.slab.Slab;
import io.numaslab.slab.SlabHeap;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.jctools.queues.MpmcArrayQueue;

import javax.management.ObjectName;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A NUMA-aware off-heap allocator: one arena per node, each mapping its memory from regions bound to that node;
 * each thread allocates from the arena of its node through a bounded cache of its own.
 * <p>
 * The raw API makes no garbage: {@link #allocate(int)} returns an address, {@link #free(long)} takes it back
 * from any thread, {@link #usableSize(long)} tells its capacity. Memory freed by a thread of another node goes
 * home in batches through the owning arena's MPSC queue and is reused only by its own node.
 * <p>
 * Sizes up to 64 KiB come from slabs of 80 size classes through the thread cache; up to a chunk from page runs;
 * larger ones get a region of their own. Errors are exceptions that name the address or the node and leave the
 * allocator consistent: {@link IllegalArgumentException} for a bad size, {@link InvalidFreeException} for a
 * free of memory that is not allocated at that moment (such as a second free before the address is handed out
 * again), an interior pointer or an address it did not hand out, {@link NodeLimitExceededException} and
 * {@link AllocationFailedException} when a node has no more memory.
 * <p>
 * A free checks the slot's live mark, which it clears with an atomic exchange: a free of a slot that is not
 * allocated at that moment is caught, and so is the loser when two threads free the same address at the same
 * instant, so racing frees never put a slot back twice. A stale free is not caught: once the address has been
 * handed out again, a second free of it frees the new allocation, silently. The thread cache is LIFO, so that is
 * the usual case: in {@code free(a); b = allocate(n); free(a)}, {@code b == a} as a rule.
 */
public final class NumaAllocator implements AutoCloseable
{
    private static final System.Logger LOG = System.getLogger(NumaAllocator.class.getName());
    /** Numbers allocators for their maintenance thread and, when the plain MXBean names are taken, those names. */
    static final AtomicInteger INSTANCES = new AtomicInteger();
    private static final VarHandle CLOSED;

    static
    {
        try
        {
            CLOSED = MethodHandles.lookup().findVarHandle(NumaAllocator.class, "closed", boolean.class);
        }
        catch (final ReflectiveOperationException e)
        {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final NumaTopology topology;
    private final NodeArena[] arenas;
    private final NodeArena[] arenasByNode;
    private final ChunkTable chunkTable;
    /** Most slots per size class in the cache of a virtual thread (platform threads: the builder's setting). */
    static final int VIRTUAL_THREAD_CACHE_SLOTS_PER_CLASS = 4;
    /** Most bytes in the cache of a virtual thread (platform threads: the builder's setting). */
    static final long VIRTUAL_THREAD_CACHE_BYTES = 64 * 1024;

    /** Weakly in the threads' maps: {@link #liveCaches} keeps each cache until its thread has ended. */
    private final ThreadSlots<ThreadCache> caches = new ThreadSlots<>(thread -> createCache(), true);
    /** A set, not a copy-on-write list: with virtual threads, caches come and go by the hundred thousand. */
    private final Set<ThreadCache> liveCaches = ConcurrentHashMap.newKeySet();
    /** Held by a maintenance pass (scheduled or {@link #maintainNow()}) and by {@link #close()}: one at a time. */
    private final Object maintenanceLock = new Object();
    private final CopyOnWriteArrayList<UpperCache> upperCaches = new CopyOnWriteArrayList<>();
    private final MpmcArrayQueue<RemoteFreeBatch> batchPool = new MpmcArrayQueue<>(1024);
    private final ConcurrentHashMap<Long, LargeAllocation> largeAllocations = new ConcurrentHashMap<>();
    private final ScheduledExecutorService maintenance;
    private final JmxRegistration jmx;
    private final Builder config;
    private final int maxRunBytes;
    /** The largest size the thread caches serve: the largest size class, or less if the builder's maximum is less. */
    private final int maxCachedSizeBytes;
    /**
     * Set once by {@link #close()}, with a volatile write under the maintenance lock; read with a volatile read by
     * {@link #isClosed()} and the slow paths. The two fast paths read it plainly: a volatile or even an opaque read
     * there costs a hot pair about 0.6 ns (7%), because it keeps the JIT from reordering the loads around it.
     * <p>
     * A plain read is enough for what {@code close()} promises. A thread that synchronizes with the closing thread
     * (join, a lock, a queue, any happens-before) sees {@code true} and gets an {@code IllegalStateException}. A
     * thread racing {@code close()} may pass the fast-path check with a volatile read too, and gets addresses that
     * are unmapped a moment later: using the allocator while closing it is the caller's race either way (its live
     * buffers are unmapped too). What the plain read changes is how long the race lasts. In a loop that frees, the
     * live-mark exchange is a volatile access that the next read cannot move above. In a loop that only allocates,
     * C2 may read the flag once for the loop, so the loop may take every slot its thread's cache holds of that class
     * (at most {@link Builder#threadCacheSlotsPerClass(int)}) rather than one. When the cache runs out, the refill
     * takes the arena's lock, under which every path that maps, carves or touches native memory re-checks
     * {@code NodeArena.closed}.
     */
    private boolean closed;
    private final boolean scrubOnFree;

    private NumaAllocator(final Builder config)
    {
        this.config = config;
        this.scrubOnFree = config.scrubOnFree;
        this.topology = config.topology != null ? config.topology : NumaTopology.read();
        final int[] nodes = config.nodes != null ? config.nodes.clone() : topology.memoryNodeIds();
        if (nodes.length == 0)
        {
            throw new IllegalArgumentException("no node to allocate on: this machine has no node with memory " +
                "this process may use (" + topology.describe().trim() + ")");
        }
        final int maxNode = Arrays.stream(topology.nodeIds()).max().orElse(0);
        this.arenasByNode = new NodeArena[maxNode + 1];
        this.arenas = new NodeArena[nodes.length];
        this.chunkTable = new ChunkTable(config.chunkSizeBytes);
        for (int i = 0; i < nodes.length; i++)
        {
            final NumaNode node = topology.node(nodes[i]);
            if (!node.hasMemory())
            {
                throw new IllegalArgumentException("node " + node.id() + " has no memory; nodes with memory: " +
                    CpuList.format(topology.memoryNodeIds()));
            }
            if (!node.isMemoryAllowed())
            {
                throw new IllegalArgumentException("node " + node.id() + " is outside this process's cpuset " +
                    "(Mems_allowed_list in /proc/self/status); nodes this process may use: " +
                    CpuList.format(topology.memoryNodeIds()));
            }
            if (arenasByNode[node.id()] != null)
            {
                throw new IllegalArgumentException("node " + node.id() + " is listed twice");
            }
            arenas[i] = new NodeArena(this, node.id(), i, nodes.length, chunkTable, config.pageKind,
                config.chunkSizeBytes, config.regionSizeBytes, config.bytesLimitPerNode, config.retainedEmptyChunks);
            arenasByNode[node.id()] = arenas[i];
        }
        this.maxRunBytes = config.chunkSizeBytes;
        this.maxCachedSizeBytes = Math.min(SizeClasses.MAX_SMALL_SIZE_BYTES, config.maxAllocationBytes);
        // Before anything is registered: a Duration too long for a long of nanoseconds (292 years) means never.
        final long intervalNanos = saturatedNanos(config.maintenanceInterval);
        final int id = INSTANCES.incrementAndGet();
        this.maintenance = Executors.newSingleThreadScheduledExecutor(r ->
        {
            final Thread t = new Thread(r, "numaslab-maintenance-" + id);
            t.setDaemon(true);
            return t;
        });
        try
        {
            this.jmx = config.jmx ? JmxRegistration.register(this, id) : null;
        }
        catch (final RuntimeException ex)
        {
            maintenance.shutdownNow(); // nothing is mapped yet: the thread is all there is to give back
            throw ex;
        }
        maintenance.scheduleWithFixedDelay(() -> maintain(true), intervalNanos, intervalNanos, TimeUnit.NANOSECONDS);
        if (!Numa.isSupported())
        {
            LOG.log(System.Logger.Level.INFO, "numaslab: " + Numa.unsupportedReason() +
                ": one arena, memory binding is a no-op");
        }
    }

    /** @return a builder with the defaults described on each of its methods. */
    public static Builder builder()
    {
        return new Builder();
    }

    // ------------------------------------------------------------------------------------------------ allocate

    /**
     * Allocates memory on the calling thread's node. Not zeroed.
     *
     * @param sizeBytes 1 to {@link Builder#maxAllocationBytes(int)}.
     * @return the address of at least {@code sizeBytes} bytes, 16-byte aligned.
     * @throws IllegalArgumentException    for a size ≤ 0 or above the maximum.
     * @throws NodeLimitExceededException  when the node's byte limit is reached (and no fallback node has room).
     * @throws AllocationFailedException   when the node has no more memory for a region.
     * @throws IllegalStateException       after {@link #close()}.
     */
    public long allocate(final int sizeBytes)
    {
        return allocate(cache(), sizeBytes);
    }

    long allocate(final ThreadCache cache, final int sizeBytes)
    {
        if (sizeBytes <= 0 || sizeBytes > maxCachedSizeBytes || closed)
        {
            return allocateSlow(sizeBytes);
        }
        final int classIndex = SizeClasses.classIndexOf(sizeBytes);
        final long address = cache.pop(classIndex);
        return address != 0 ? address : refill(cache, classIndex, sizeBytes);
    }

    /**
     * Frees memory from {@link #allocate(int)}, from any thread. Memory of another node goes home to it.
     *
     * @param address an address this allocator handed out and that has not been freed since.
     * @throws InvalidFreeException  for an address that is not allocated now (freed, and not handed out again
     *                               since), an interior pointer or an address not from this allocator; nothing is
     *                               changed. A free of an address handed out again since is not detected: it frees
     *                               the new allocation.
     * @throws IllegalStateException after {@link #close()}.
     */
    public void free(final long address)
    {
        free(cache(), address);
    }

    void free(final ThreadCache cache, final long address)
    {
        // First guess: the slab of this thread's last allocation, whose fields are loaded while the address is
        // still on its way; most frees of a thread are of what it allocated last. Else the slab map.
        Slab slab = cache.lastSlab;
        int slot = slab == null ? -1 : slab.slotIndexOf(address);
        if (slot < 0)
        {
            slab = chunkTable.slabOf(address);
            slot = slab == null ? -1 : slab.slotIndexOf(address);
        }
        if (slab == null || closed)
        {
            freeSlow(address, chunkTable.chunkOf(address));
            return;
        }
        final int mark = slot < 0 ? -1 : slab.markIndex(slot); // computed once, for the clear and the push
        if (mark < 0 || !slab.clearLiveAt(mark))
        {
            throw refusedSlotFree(address, slab, slot,
                "the " + slab.slotSizeBytes() + "-byte slot there is not allocated (double free, or never handed out)");
        }
        if (scrubOnFree)
        {
            scrubSlot((NodeArena)slab.heap().owner(), address, slab.slotSizeBytes());
        }
        if (slab.heap() == cache.heap)
        {
            cache.push(slab.classIndex(), address, slab, mark);
        }
        else
        {
            cache.sendRemote((NodeArena)slab.heap().owner(), address, slab.slotSizeBytes(), this);
        }
    }

    /**
     * @param address an address this allocator handed out and that has not been freed since.
     * @return how many bytes it may use: its size class, page run or region size (at least what was asked).
     * @throws IllegalArgumentException if the address is not a live allocation of this allocator.
     */
    public int usableSize(final long address)
    {
        final Slab slab = chunkTable.slabOf(address);
        if (slab != null)
        {
            final int slot = slab.slotIndexOf(address);
            if (slot >= 0 && slab.isLive(slot))
            {
                return slab.slotSizeBytes();
            }
            throw new IllegalArgumentException("usableSize(0x" + Long.toHexString(address) + "): not a live allocation");
        }
        final Chunk chunk = chunkTable.chunkOf(address);
        if (chunk != null)
        {
            final NodeArena home = (NodeArena)chunk.heap().owner();
            home.lock.lock();
            try
            {
                return home.heap.usableSize(address);
            }
            finally
            {
                home.lock.unlock();
            }
        }
        final LargeAllocation large = largeAllocations.get(address);
        if (large == null)
        {
            throw new IllegalArgumentException("usableSize(0x" + Long.toHexString(address) + "): " +
                notALargeAllocation(address));
        }
        return (int)Math.min(Integer.MAX_VALUE, large.region.sizeBytes());
    }

    /**
     * Allocates and wraps the memory in an Agrona buffer of exactly {@code sizeBytes} capacity. Free it with
     * {@link #free(DirectBuffer)}. Agrona 2 needs {@code --add-exports java.base/jdk.internal.misc=ALL-UNNAMED}.
     *
     * @param sizeBytes as for {@link #allocate(int)}.
     * @return a new buffer over the memory.
     */
    public UnsafeBuffer allocateBuffer(final int sizeBytes)
    {
        return new UnsafeBuffer(allocate(sizeBytes), sizeBytes);
    }

    /**
     * Points a buffer at an allocation, without garbage: its capacity becomes the usable size.
     *
     * @param address an address from {@link #allocate(int)}.
     * @param buffer  the buffer to point.
     * @return the buffer.
     */
    public UnsafeBuffer wrap(final long address, final UnsafeBuffer buffer)
    {
        buffer.wrap(address, usableSize(address));
        return buffer;
    }

    /**
     * Frees the memory a buffer from {@link #allocateBuffer(int)} or {@link #wrap} points at.
     *
     * @param buffer the buffer; it must not be used afterwards.
     */
    public void free(final DirectBuffer buffer)
    {
        free(buffer.addressOffset());
    }

    /**
     * A handle on the calling thread's cache, for loops that allocate and free many times: it skips the
     * thread-local lookup that {@link #allocate(int)} and {@link #free(long)} make on each call. Use it only on
     * the thread that took it.
     *
     * @return the calling thread's handle (the same object on every call from that thread).
     */
    public ThreadAllocator threadAllocator()
    {
        return cache().handle;
    }

    // ------------------------------------------------------------------------------------------------ binding

    /** @return the node whose arena the calling thread allocates from (binding it on first use). */
    public int nodeOfCurrentThread()
    {
        return cache().arena.node;
    }

    /** @return how the calling thread came to its node (binding it on first use). */
    public ThreadBinding bindingOfCurrentThread()
    {
        return cache().binding;
    }

    /**
     * Binds the calling thread to a node's arena, overriding its pinning or first CPU. Its cached slots go back to
     * its old arena first.
     *
     * @param node a node of this allocator.
     * @throws IllegalArgumentException if the allocator has no arena on that node.
     */
    public void bindCurrentThread(final int node)
    {
        final NodeArena target = arenaOf(node);
        final ThreadCache cache = cache();
        if (cache.arena != target)
        {
            trimUpperCaches();
            flushToArenas(cache);
            retireCounters(cache);
            // its counts start again from 0: a count seen before means nothing now (the same count after as many
            // operations would read as idle)
            cache.opsAtIdleCheck = -1;
            cache.arena = target;
            cache.heap = target.heap;
        }
        cache.binding = ThreadBinding.EXPLICIT;
    }

    /**
     * Gives the calling thread's cached slots back to its arena and sends its pending remote frees home, after the
     * {@linkplain #addUpperCache upper caches} have given back what the thread held in them; then the arena returns
     * its empty chunks beyond the {@linkplain Builder#retainedEmptyChunks retained ones} to the OS. Threads
     * that go idle for long may call it (or {@link #trimCurrentThreadCacheIfIdle()} periodically); caches of threads
     * that end are reclaimed by the allocator.
     */
    public void trimCurrentThreadCache()
    {
        trimUpperCaches(); // after close too: upper caches drop what they hold of this allocator without freeing it
        if (isClosed())
        {
            return; // its memory went back to the OS at close
        }
        final ThreadCache cache = caches.getIfPresent();
        if (cache != null)
        {
            flushToArenas(cache);
            cache.arena.drainAndReleaseEmptyChunks(false);
        }
    }

    /**
     * Trims the calling thread's cache if the thread has neither allocated nor freed since its previous call: run it
     * on a thread every so often (NodeEventLoops schedules it every second on each event loop) and a thread that
     * goes quiet gives its cached memory back after one period, while a busy one keeps its cache. The allocator
     * cannot do this for a live thread itself: only the owner touches its cache, which is why the hot path takes
     * no lock.
     *
     * @return true if it trimmed (the thread was idle and had something cached or pending).
     */
    public boolean trimCurrentThreadCacheIfIdle()
    {
        final ThreadCache cache = caches.getIfPresent();
        if (cache == null || isClosed())
        {
            return false;
        }
        final long ops = operationsOf(cache);
        if (ops != cache.opsAtIdleCheck)
        {
            cache.opsAtIdleCheck = ops;
            return false;
        }
        boolean trimmed = trimUpperCaches();
        if (cache.cachedBytes != 0 || cache.hasPendingRemote())
        {
            flushToArenas(cache);
            trimmed = true;
        }
        cache.opsAtIdleCheck = operationsOf(cache); // the upper caches' frees were not the thread's work
        return trimmed;
    }

    /**
     * Registers a cache that a layer above keeps of this allocator's memory per thread, so that it is trimmed with
     * the thread caches (see {@link UpperCache}). Registering the same one again does nothing.
     *
     * @param cache the upper cache.
     */
    public void addUpperCache(final UpperCache cache)
    {
        upperCaches.addIfAbsent(cache);
    }

    private long operationsOf(final ThreadCache cache)
    {
        long ops = cache.allocations + cache.frees;
        for (final UpperCache upper : upperCaches)
        {
            ops += upper.operationsOfCurrentThread(this);
        }
        return ops;
    }

    /** Gives every slot a cache holds back to its arena, and sends its pending remote frees home. */
    private void flushToArenas(final ThreadCache cache)
    {
        cache.flushAll();
        cache.sendPendingRemote();
    }

    /** @return whether an upper cache freed anything that threads that have ended held. */
    private boolean reclaimEndedUpperCaches()
    {
        boolean reclaimed = false;
        for (final UpperCache upper : upperCaches)
        {
            reclaimed |= upper.reclaimEndedThreads(this);
        }
        return reclaimed;
    }

    /**
     * For {@link #close()}, under the maintenance lock and before the closed flag: frees what the upper caches hold
     * for threads that have ended and for the calling thread, which no thread can hand out any more, so that it
     * counts as free. What they hold for other live threads stays, and counts as handed out.
     */
    private void freeWhatOnlyEndedOrCallingThreadsHold()
    {
        try
        {
            reclaimEndedUpperCaches();
            // The calling thread's share is sound to free, though the thread lives: only the thread itself hands out
            // what it holds, and it is here, in close(), not half-way through handing out one of its buffers. The
            // trim empties its share, and only the thread itself puts buffers there again, not before close()
            // returns. Buffers that other threads give back to it meanwhile count as handed out, as a live
            // thread's do.
            trimUpperCaches();
        }
        catch (final RuntimeException ex)
        {
            // what was not freed counts as handed out: addresses kept, no crash
            LOG.log(System.Logger.Level.WARNING, "numaslab: close() could not free what upper caches hold", ex);
        }
    }

    /**
     * For {@link #close()}, after the closed flag: an upper cache's {@link UpperCache#bytesHeldForEndedThreads}, or 0
     * if it throws. The flag is set and maintenance stopped already, so close() must go on to close every arena and
     * region; 0 is the safe direction, as everything the cache holds then counts as handed out (addresses kept).
     */
    private long bytesHeldForEndedThreads(final UpperCache upper)
    {
        try
        {
            return upper.bytesHeldForEndedThreads(this);
        }
        catch (final RuntimeException ex)
        {
            LOG.log(System.Logger.Level.WARNING, "numaslab: close() could not learn what an upper cache holds for " +
                "threads that have ended; all it holds counts as still allocated", ex);
            return 0;
        }
    }

    /** @return whether an upper cache had anything of the calling thread's to give back. */
    private boolean trimUpperCaches()
    {
        boolean trimmed = false;
        for (final UpperCache upper : upperCaches)
        {
            trimmed |= upper.trimCurrentThread(this);
        }
        return trimmed;
    }

    /**
     * @return the names this allocator's MXBeans are registered under: {@code io.numaslab:type=NumaAllocator} and
     *         {@code io.numaslab:type=NodeArena,node=N}, with {@code ,allocator=<id>} added when another allocator in
     *         this JVM holds the plain names; empty with {@code jmx(false)} and after {@link #close()}.
     */
    public List<ObjectName> mxBeanNames()
    {
        return jmx != null ? jmx.names() : List.of();
    }

    /** @return the node ids of this allocator's arenas, in the builder's order (by default ascending). */
    public int[] nodes()
    {
        return Arrays.stream(arenas).mapToInt(a -> a.node).toArray();
    }

    /** @return the usage of one node's arena, as JMX shows it. */
    public NodeArenaMXBean nodeStats(final int node)
    {
        return new NodeArenaStats(this, arenaOf(node));
    }

    /** @return totals over every node, as JMX shows them. */
    public NumaAllocatorMXBean stats()
    {
        return new AllocatorStats(this);
    }

    /** @return the largest size {@link #allocate(int)} accepts. */
    public int maxAllocationBytes()
    {
        return config.maxAllocationBytes;
    }

    /**
     * Unmaps every region, stops the maintenance thread and unregisters the MXBeans. Closing twice is harmless.
     * <p>
     * Memory not yet freed is gone too, and its addresses must not be used afterwards. Still, so that a buffer used
     * by mistake after close (a ByteBuf still in some pipeline) cannot crash the JVM, the regions of a node with
     * memory still handed out, and regions of their own still allocated, are not unmapped: their memory goes back
     * all the same, and their addresses are mapped again to zero pages, kept until the process ends
     * ({@link Region#closeKeepingAddresses()}). A warning says how much was still allocated.
     * <p>
     * Shut the threads that allocate from it (event loops) down before closing the allocator: allocating concurrently
     * with {@code close()} is not safe. The fast paths read the closed flag plainly, so an allocation racing
     * {@code close()} may return memory that {@code close()} then unmaps, and writing to it crashes the JVM
     * (SIGSEGV). What {@code close()} guarantees is only that memory already handed out, or kept for reuse by a live
     * thread's {@linkplain #addUpperCache upper cache}, is not unmapped under its user.
     * <p>
     * Memory that upper caches keep for threads still alive counts as handed out: released Netty buffers that an event
     * loop keeps for its next ones, say, since the loop may be taking one at this very moment and write to it after
     * the unmapping. What they keep for the calling thread and for threads that have ended is freed first and does
     * not count. Nor do a NumaByteBufAllocator's buffers kept by Netty event loops that have terminated: a loop's
     * cache frees itself as the loop terminates, before {@code shutdownGracefully()}'s future completes, though the
     * thread may still be alive. So after {@code group.shutdownGracefully().sync()}, with every buffer released,
     * {@code close()} unmaps everything.
     */
    @Override
    public void close()
    {
        synchronized (maintenanceLock)
        {
            // Under the maintenance lock: a maintenance pass in progress finishes first, none starts after.
            if (closed)
            {
                return;
            }
            // before the flag: the memory of a closed allocator is dropped rather than freed, and would count as
            // handed out below
            freeWhatOnlyEndedOrCallingThreadsHold();
            CLOSED.setVolatile(this, true);
        }
        maintenance.shutdownNow();
        if (jmx != null)
        {
            jmx.unregister();
        }
        // What is still handed out, per node. Released memory that an upper cache (a NumaByteBufAllocator's kept
        // buffers) holds for a live thread counts: the thread may be handing it out again right now, past the
        // cache's closed check. Only what is held for threads that ended since the reclaim above does not.
        final long[] handedOut = new long[arenas.length];
        long totalHandedOut = 0;
        for (int i = 0; i < arenas.length; i++)
        {
            final NodeArena arena = arenas[i];
            arena.lock.lock();
            try
            {
                handedOut[i] = NodeArenaStats.chunkBytesHandedOutLocked(this, arena);
            }
            finally
            {
                arena.lock.unlock();
            }
            totalHandedOut += handedOut[i];
        }
        long heldForEnded = 0;
        for (final UpperCache upper : upperCaches)
        {
            heldForEnded += bytesHeldForEndedThreads(upper);
        }
        final long stillAllocated = totalHandedOut - heldForEnded;
        for (int i = 0; i < arenas.length; i++)
        {
            final NodeArena arena = arenas[i];
            // Paths that passed the closed check before it was set re-check arena.closed under this lock, so none
            // maps a region, carves a slot from an unmapped chunk or zeroes unmapped memory after this.
            arena.lock.lock();
            try
            {
                arena.closed = true;
                final long nowHandedOut = NodeArenaStats.chunkBytesHandedOutLocked(this, arena);
                // more handed out since the first look: a caller racing close(), whose memory must not vanish
                final boolean keepAddresses = nowHandedOut > 0 && (stillAllocated > 0 || nowHandedOut > handedOut[i]);
                if (keepAddresses)
                {
                    LOG.log(System.Logger.Level.WARNING, "numaslab: close() with memory still allocated (" +
                        Math.max(stillAllocated, nowHandedOut - handedOut[i]) + " bytes in all): node " + arena.node +
                        "'s regions give their memory back, and their addresses stay mapped to zero pages until " +
                        "the process ends, so that a late access does not crash the JVM (released buffers that live " +
                        "threads keep for reuse, such as event loops not shut down yet, count as allocated)");
                }
                arena.chunkSource.closeAll(keepAddresses);
                // its regions of their own are closed below: ReservedBytes says 0 after close, as promised
                arena.largeBytes = 0;
            }
            finally
            {
                arena.lock.unlock();
            }
        }
        long largeStillAllocated = 0;
        for (final LargeAllocation large : largeAllocations.values())
        {
            largeStillAllocated += large.region.sizeBytes();
            closeRegion(large.region, true);
        }
        largeAllocations.clear();
        if (largeStillAllocated > 0)
        {
            LOG.log(System.Logger.Level.WARNING, "numaslab: close() with " + largeStillAllocated + " bytes of " +
                "regions of their own still allocated: given back, their addresses mapped to zero pages");
        }
    }

    /** @return whether freed memory is zeroed ({@link Builder#scrubOnFree(boolean)}). */
    public boolean scrubsOnFree()
    {
        return scrubOnFree;
    }

    /** @return true after {@link #close()}. */
    public boolean isClosed()
    {
        return (boolean)CLOSED.getVolatile(this);
    }


    // ------------------------------------------------------------------------------------------------ slow paths

    private ThreadCache cache()
    {
        return caches.get();
    }

    private ThreadCache createCache()
    {
        int node = -1;
        ThreadBinding binding = ThreadBinding.FIRST_CPU;
        final int pinned = NodeAffinity.pinnedNodeOfCurrentThread();
        if (pinned >= 0 && NodeAffinity.isCurrentThreadRestricted())
        {
            node = pinned;
            binding = ThreadBinding.PINNED;
        }
        else
        {
            node = Numa.currentNode();
        }
        NodeArena arena = node >= 0 && node < arenasByNode.length ? arenasByNode[node] : null;
        if (arena == null)
        {
            arena = nearestArena(node);
            binding = ThreadBinding.NEAREST;
        }
        // Virtual threads may be counted in hundreds of thousands: each gets a small cache, not a platform thread's.
        final boolean virtual = VirtualThreads.isVirtual(Thread.currentThread());
        final int slotsPerClass = virtual ?
            Math.min(config.threadCacheSlotsPerClass, VIRTUAL_THREAD_CACHE_SLOTS_PER_CLASS) : config.threadCacheSlotsPerClass;
        final long cacheBytes = virtual ?
            Math.min(config.threadCacheBytes, VIRTUAL_THREAD_CACHE_BYTES) : config.threadCacheBytes;
        final ThreadCache cache = new ThreadCache(Thread.currentThread(), arena, binding, slotsPerClass, cacheBytes,
            arenas);
        cache.handle = new ThreadAllocator(this, cache);
        liveCaches.add(cache);
        return cache;
    }

    private NodeArena nearestArena(final int node)
    {
        if (!topology.hasNode(node))
        {
            return arenas[0];
        }
        final NumaNode from = topology.node(node);
        return Arrays.stream(arenas).min(Comparator.comparingInt(a -> distance(from, a.node))).orElseThrow();
    }

    private static int distance(final NumaNode from, final int to)
    {
        final int d = from.distanceTo(to);
        return d < 0 ? Integer.MAX_VALUE : d;
    }

    private NodeArena arenaOf(final int node)
    {
        final NodeArena arena = node >= 0 && node < arenasByNode.length ? arenasByNode[node] : null;
        if (arena == null)
        {
            throw new IllegalArgumentException("this allocator has no arena on node " + node + "; its nodes are " +
                CpuList.format(nodes()));
        }
        return arena;
    }

    private long refill(final ThreadCache cache, final int classIndex, final int sizeBytes)
    {
        final long address = cache.refillAndPop(classIndex);
        return address != 0 ? address : allocateElsewhere(cache.arena, sizeBytes);
    }

    private long allocateSlow(final int sizeBytes)
    {
        if (isClosed())
        {
            throw closedException();
        }
        if (sizeBytes <= 0 || sizeBytes > config.maxAllocationBytes)
        {
            throw new IllegalArgumentException("allocate(" + sizeBytes + "): size must be from 1 to " +
                config.maxAllocationBytes + " bytes");
        }
        final NodeArena arena = cache().arena;
        final long address = sizeBytes <= maxRunBytes ? allocateRun(arena, sizeBytes) : allocateLarge(arena, sizeBytes);
        return address != 0 ? address : allocateElsewhere(arena, sizeBytes);
    }

    private long allocateRun(final NodeArena arena, final int sizeBytes)
    {
        arena.lock.lock();
        try
        {
            final long address = arena.closed ? 0 : arena.heap.allocate(sizeBytes);
            if (address != 0)
            {
                arena.lockedAllocations++;
            }
            return address;
        }
        finally
        {
            arena.lock.unlock();
        }
    }

    private long allocateLarge(final NodeArena arena, final int sizeBytes)
    {
        if (!reserveLarge(arena, sizeBytes))
        {
            // Empty chunks waiting for maintenance must not make the limit refuse what they would make room for.
            arena.drainAndReleaseEmptyChunks(false);
            if (!reserveLarge(arena, sizeBytes))
            {
                arena.lastFailure = limitReached(arena);
                return 0;
            }
        }
        final Region region;
        try
        {
            region = Region.builder(sizeBytes).node(arena.node).pageKind(config.pageKind).map();
        }
        catch (final RuntimeException ex)
        {
            // RegionMappingException, or anything else map() met (a node outside the cpuset, /sys unreadable): the
            // reservation goes, or the node's mapped bytes would grow by every failed attempt.
            unreserveLarge(arena, sizeBytes);
            arena.lastFailure = describeMappingFailure(ex);
            return 0;
        }
        boolean kept = false;
        arena.lock.lock();
        try
        {
            // The region is rounded up to whole pages: count what it maps, and keep to the limit with that.
            arena.largeBytes += region.sizeBytes() - sizeBytes;
            if (!arena.closed && arena.mappedBytes() <= config.bytesLimitPerNode)
            {
                arena.lockedAllocations++;
                // registered under the lock: close() then either sees it or finds the arena closed first
                largeAllocations.put(region.address(), new LargeAllocation(region, arena));
                kept = true;
            }
            else
            {
                arena.largeBytes -= region.sizeBytes();
            }
        }
        finally
        {
            arena.lock.unlock();
        }
        if (!kept)
        {
            region.close();
            arena.lastFailure = limitReached(arena);
            return 0;
        }
        arena.lastFailure = null;
        return region.address();
    }

    /**
     * Counts {@code sizeBytes} more against the node's limit, under the arena's lock so that two threads cannot both
     * take its last bytes.
     *
     * @return false, with nothing counted, if they would take the node past its byte limit.
     */
    private boolean reserveLarge(final NodeArena arena, final int sizeBytes)
    {
        arena.lock.lock();
        try
        {
            if (arena.closed || arena.mappedBytes() + sizeBytes > config.bytesLimitPerNode)
            {
                return false;
            }
            arena.largeBytes += sizeBytes;
            return true;
        }
        finally
        {
            arena.lock.unlock();
        }
    }

    private void unreserveLarge(final NodeArena arena, final int sizeBytes)
    {
        arena.lock.lock();
        try
        {
            arena.largeBytes -= sizeBytes;
        }
        finally
        {
            arena.lock.unlock();
        }
    }

    private String limitReached(final NodeArena arena)
    {
        return "limit reached: " + arena.mappedBytes() + " of " +
            config.bytesLimitPerNode + " bytes mapped on node " + arena.node;
    }

    /** The home arena could not serve: try the others by distance if allowed, else throw with the reason. */
    private long allocateElsewhere(final NodeArena home, final int sizeBytes)
    {
        if (isClosed())
        {
            throw closedException();
        }
        home.failures.incrementAndGet();
        if (config.fallbackToOtherNodes)
        {
            final NumaNode from = topology.node(home.node);
            final List<NodeArena> others = new ArrayList<>(Arrays.asList(arenas));
            others.remove(home);
            others.sort(Comparator.comparingInt(a -> distance(from, a.node)));
            for (final NodeArena other : others)
            {
                final long address = sizeBytes <= maxRunBytes ? allocateRun(other, sizeBytes) : allocateLarge(other, sizeBytes);
                if (address != 0)
                {
                    markLiveIfSlot(address);
                    home.fallbacks.incrementAndGet();
                    cache().fallbacks++;
                    LOG.log(System.Logger.Level.DEBUG, "numaslab: node " + home.node + " full, " + sizeBytes +
                        " bytes served by node " + other.node);
                    return address;
                }
            }
        }
        throw failure(home, sizeBytes);
    }

    /**
     * Zeroes a freed slot under its arena's lock, which {@link #close()} takes before it unmaps: a free racing close
     * must not write to memory that is gone.
     */
    private static void scrubSlot(final NodeArena home, final long address, final int sizeBytes)
    {
        home.lock.lock();
        try
        {
            if (home.closed)
            {
                throw closedException();
            }
            MemoryScrub.zero(address, sizeBytes);
        }
        finally
        {
            home.lock.unlock();
        }
    }

    /**
     * Zeroes the page run that starts at {@code address}, if one is allocated there; anything else is left alone
     * for {@link SlabHeap#free(long)} to refuse. Under the arena's lock, so the run cannot change hands meanwhile.
     */
    private static void scrubRun(final SlabHeap heap, final long address)
    {
        final int runBytes;
        try
        {
            runBytes = heap.usableSize(address);
        }
        catch (final IllegalArgumentException notAllocated)
        {
            return;
        }
        MemoryScrub.zero(address, runBytes);
    }

    /**
     * Frees, under its arena's lock, a slot that {@link #freeSlow} met where the caller's lookup had found no slab:
     * only if it is handed out (live), not if it sits free or in a thread cache.
     */
    private void freeCarvedSlotLocked(final NodeArena home, final Slab slab, final long address)
    {
        final int slot = slab.slotIndexOf(address);
        if (slab.heap() != home.heap || slot < 0 || !slab.clearLive(slot))
        {
            throw refusedSlotFree(address, slab, slot, "not allocated: a page run freed already, its pages since " +
                "carved into " + slab.slotSizeBytes() + "-byte slots (double free)");
        }
        if (scrubOnFree)
        {
            MemoryScrub.zero(address, slab.slotSizeBytes());
        }
        home.heap.free(slab, slot);
    }

    /**
     * @param slot    the slot at the address, negative if the address is inside one.
     * @param notLive why a slot that is not live may not be freed.
     * @return the exception for a free of a slab address that is refused.
     */
    private static InvalidFreeException refusedSlotFree(final long address, final Slab slab, final int slot,
        final String notLive)
    {
        return new InvalidFreeException(address, slot < 0 ?
            "not the start of a " + slab.slotSizeBytes() + "-byte slot (interior pointer)" : notLive);
    }

    /**
     * Closes a region for {@link #close()}, which must get through every region whatever one of them does: keeping
     * the addresses can fail (under strict overcommit, {@code vm.overcommit_memory=2}, the kernel charges even a
     * MAP_NORESERVE mapping), and then the region is unmapped after all; an unmap that fails is logged.
     */
    static void closeRegion(final Region region, final boolean keepAddresses)
    {
        try
        {
            if (keepAddresses)
            {
                region.closeKeepingAddresses();
            }
            else
            {
                region.close();
            }
        }
        catch (final RuntimeException ex)
        {
            LOG.log(System.Logger.Level.WARNING, "numaslab: close(): " + region + ": " + ex.getMessage());
        }
    }

    /**
     * @return the node's regions of their own, allocated now, for a stats read (any may be freed, and closed, after).
     */
    List<Region> largeRegionsOf(final NodeArena arena)
    {
        final List<Region> regions = new ArrayList<>();
        for (final LargeAllocation large : largeAllocations.values())
        {
            if (large.arena == arena)
            {
                regions.add(large.region);
            }
        }
        return regions;
    }

    /**
     * Why an address in no chunk is not one to free: inside a live region of its own (an interior pointer), or
     * nothing of this allocator's. Error path only: it looks through every such region. A listed region may be
     * closing meanwhile (its free, or close(), on another thread), and then its address() throws: the start and
     * size recorded at mapping are used instead, and a closed region is one no longer pointed into, so that the
     * caller always learns what is wrong with the address, not that some other region is closed.
     */
    private String notALargeAllocation(final long address)
    {
        for (final LargeAllocation large : largeAllocations.values())
        {
            final long start = large.address;
            if (address > start && address - start < large.sizeBytes && !large.region.isClosed())
            {
                return "not the start of an allocation (interior pointer): it is " + (address - start) +
                    " bytes into the " + large.sizeBytes + "-byte region at 0x" + Long.toHexString(start);
            }
        }
        return "not allocated by this NumaAllocator (or already freed)";
    }

    private static long saturatedNanos(final Duration duration)
    {
        try
        {
            return duration.toNanos();
        }
        catch (final ArithmeticException tooLong)
        {
            return Long.MAX_VALUE;
        }
    }

    /** @return why mapping failed, for an {@link AllocationFailedException}: the exception's own words. */
    static String describeMappingFailure(final RuntimeException ex)
    {
        return ex instanceof RegionMappingException ? ex.getMessage() : "cannot map: " + ex;
    }

    private static IllegalStateException closedException()
    {
        return new IllegalStateException("this NumaAllocator is closed");
    }

    private void markLiveIfSlot(final long address)
    {
        final Slab slab = chunkTable.slabOf(address);
        if (slab != null)
        {
            slab.markLive(slab.slotIndexOf(address));
        }
    }

    private AllocationFailedException failure(final NodeArena arena, final int sizeBytes)
    {
        // The reason of the path this size took: page runs and slots come from chunks, larger sizes from regions.
        final String reason = sizeBytes <= maxRunBytes ? arena.chunkSource.lastFailure() : arena.lastFailure;
        if (reason != null && reason.startsWith("limit reached"))
        {
            return new NodeLimitExceededException(arena.node, sizeBytes,
                arena.mappedBytes(), NodeArenaStats.usedBytes(this, arena),
                config.bytesLimitPerNode);
        }
        return new AllocationFailedException(arena.node, sizeBytes, "node " + arena.node + ": cannot allocate " +
            sizeBytes + " bytes: " + (reason != null ? reason : "no free memory in its chunks"));
    }

    private void freeSlow(final long address, final Chunk chunk)
    {
        if (isClosed())
        {
            throw closedException();
        }
        if (chunk != null)
        {
            // a page run (or a bad address inside a chunk): the heap checks and frees it under the lock
            final NodeArena home = (NodeArena)chunk.heap().owner();
            home.lock.lock();
            try
            {
                if (home.closed)
                {
                    throw closedException();
                }
                final Slab slab = chunkTable.slabOf(address);
                if (slab != null)
                {
                    // No slab was here when the caller looked, but one has been carved here since: the page run
                    // that was here is free already (this is its second free), and the address is a slot now.
                    // Its live mark decides, as on the fast path: the heap's bitmap alone would also free a slot
                    // that sits in a thread cache, and hand it out twice.
                    freeCarvedSlotLocked(home, slab, address);
                }
                else
                {
                    if (scrubOnFree)
                    {
                        scrubRun(home.heap, address);
                    }
                    home.heap.free(address);
                }
                home.lockedFrees++;
            }
            finally
            {
                home.lock.unlock();
            }
            return;
        }
        final LargeAllocation large = largeAllocations.remove(address);
        if (large == null)
        {
            throw new InvalidFreeException(address, notALargeAllocation(address));
        }
        large.region.close();
        large.arena.lock.lock();
        try
        {
            large.arena.largeBytes -= large.region.sizeBytes();
            large.arena.lockedFrees++;
        }
        finally
        {
            large.arena.lock.unlock();
        }
    }

    // ------------------------------------------------------------------------------------------------ upkeep

    RemoteFreeBatch takeBatch()
    {
        final RemoteFreeBatch batch = batchPool.poll();
        return batch != null ? batch : new RemoteFreeBatch();
    }

    void recycle(final RemoteFreeBatch batch)
    {
        batch.count = 0;
        batch.bytes = 0;
        batchPool.offer(batch);
    }

    /**
     * Reclaims what threads that have ended held in upper caches and thread caches, drains every arena's remote
     * frees and returns surplus empty chunks to the OS: those that have stayed empty for a whole period
     * ({@code idleChunksOnly}, the periodic run), or all of them.
     */
    void maintain(final boolean idleChunksOnly)
    {
        synchronized (maintenanceLock)
        {
            // Two passes at once could both reclaim one ended thread's cache and free its slots twice.
            if (!isClosed())
            {
                maintainLocked(idleChunksOnly);
            }
        }
    }

    private void maintainLocked(final boolean idleChunksOnly)
    {
        try
        {
            final ThreadCache own = reclaimEndedUpperCaches() ? caches.getIfPresent() : null;
            if (own != null)
            {
                flushToArenas(own); // what this thread freed for the ended threads goes to the arenas, not its cache
            }
            for (final ThreadCache cache : liveCaches)
            {
                // isAlive() false: the thread's last action happens-before this, so its cache is ours now.
                if (!cache.thread.isAlive())
                {
                    flushToArenas(cache);
                    retireCounters(cache);
                    liveCaches.remove(cache);
                    caches.forget(cache.thread);
                }
            }
            for (final NodeArena arena : arenas)
            {
                arena.drainAndReleaseEmptyChunks(idleChunksOnly);
            }
        }
        catch (final RuntimeException ex)
        {
            LOG.log(System.Logger.Level.WARNING, "numaslab: maintenance failed", ex);
        }
    }

    /**
     * Runs maintenance now on the calling thread (tests; tools that want exact numbers): what ended threads held is
     * reclaimed, remote frees are drained, and every empty chunk beyond the retained ones goes back to the OS.
     */
    public void maintainNow()
    {
        if (!isClosed())
        {
            maintain(false);
        }
    }

    private void retireCounters(final ThreadCache cache)
    {
        final NodeArena arena = cache.arena;
        arena.lock.lock();
        try
        {
            arena.retiredAllocations += cache.allocations;
            arena.retiredFrees += cache.frees;
            for (int k = 0; k < arenas.length; k++)
            {
                arena.retiredRemoteSent[k] += cache.remoteSent[k];
                arena.retiredRemoteBytesSent[k] += cache.remoteBytesSent[k];
            }
        }
        finally
        {
            arena.lock.unlock();
        }
        cache.allocations = 0;
        cache.frees = 0;
        Arrays.fill(cache.remoteSent, 0);
        Arrays.fill(cache.remoteBytesSent, 0);
    }

    NodeArena[] arenas()
    {
        return arenas;
    }

    Collection<ThreadCache> liveCaches()
    {
        return liveCaches;
    }

    private static final class LargeAllocation
    {
        final Region region;
        final NodeArena arena;
        /** The region's start and size, readable when it is closed, as {@link Region#address()} is not. */
        final long address;
        final long sizeBytes;

        /** @param region open: its address is read here. */
        LargeAllocation(final Region region, final NodeArena arena)
        {
            this.region = region;
            this.arena = arena;
            this.address = region.address();
            this.sizeBytes = region.sizeBytes();
        }
    }

    /** Settings of a {@link NumaAllocator}. */
    public static final class Builder
    {
        /**
         * The most {@link #threadCacheSlotsPerClass(int)} accepts: a thread's cache arrays take 16 bytes per slot
         * per size class whatever the byte budget lets it fill, 1.3 MB at this bound.
         */
        public static final int MAX_THREAD_CACHE_SLOTS_PER_CLASS = 1024;

        private int[] nodes;
        private PageKind pageKind = PageKind.HUGETLB_2M;
        private int chunkSizeBytes = Chunk.DEFAULT_SIZE_BYTES;
        private long regionSizeBytes = 8L << 20;
        private int threadCacheSlotsPerClass = 64;
        private long threadCacheBytes = 1L << 20;
        private long bytesLimitPerNode = Long.MAX_VALUE;
        private boolean fallbackToOtherNodes;
        private boolean scrubOnFree;
        private int retainedEmptyChunks = 2;
        private int maxAllocationBytes = 1 << 30;
        private Duration maintenanceInterval = Duration.ofSeconds(1);
        private boolean jmx = true;
        private NumaTopology topology;

        private Builder()
        {
        }

        /** @param nodes the nodes to have arenas on (default: every node with memory this process may use). @return this. */
        public Builder nodes(final int... nodes)
        {
            this.nodes = nodes.clone();
            return this;
        }

        /** @param pageKind the page kind regions try first (default HUGETLB_2M, falling back to THP, then 4 KiB). @return this. */
        public Builder pageKind(final PageKind pageKind)
        {
            this.pageKind = pageKind;
            return this;
        }

        /** @param bytes chunk size, a power of two from 256 KiB to 1 GiB (default 2 MiB). @return this. */
        public Builder chunkSizeBytes(final int bytes)
        {
            if (bytes < Chunk.MIN_SIZE_BYTES || Integer.bitCount(bytes) != 1)
            {
                throw new IllegalArgumentException("chunkSizeBytes must be a power of two of at least 256 KiB, got " + bytes);
            }
            this.chunkSizeBytes = bytes;
            return this;
        }

        /**
         * @param bytes the size of the regions an arena maps, a multiple of the chunk size (default 8 MiB: four 2 MiB
         *              chunks). Until an arena has mapped this much it maps one chunk at a time, so a small arena
         *              holds at most one chunk beyond what it uses.
         * @return this.
         */
        public Builder regionSizeBytes(final long bytes)
        {
            this.regionSizeBytes = bytes;
            return this;
        }

        /**
         * @param slots most cached slots per size class per thread, 2 to {@value #MAX_THREAD_CACHE_SLOTS_PER_CLASS}
         *              (default 64); {@link #threadCacheBytes(long)} bounds them further.
         * @return this.
         */
        public Builder threadCacheSlotsPerClass(final int slots)
        {
            if (slots < 2 || slots > MAX_THREAD_CACHE_SLOTS_PER_CLASS)
            {
                throw new IllegalArgumentException("threadCacheSlotsPerClass must be from 2 to " +
                    MAX_THREAD_CACHE_SLOTS_PER_CLASS + ", got " + slots);
            }
            this.threadCacheSlotsPerClass = slots;
            return this;
        }

        /** @param bytes most bytes a thread's cache holds over all classes (default 1 MiB). @return this. */
        public Builder threadCacheBytes(final long bytes)
        {
            if (bytes < 0)
            {
                throw new IllegalArgumentException("threadCacheBytes must be 0 or more, got " + bytes);
            }
            this.threadCacheBytes = bytes;
            return this;
        }

        /**
         * @param bytes most bytes each node may have mapped at once, chunks and the regions of allocations larger
         *              than a chunk together, counted as mapped (whole pages) (default unlimited).
         * @return this.
         */
        public Builder bytesLimitPerNode(final long bytes)
        {
            if (bytes <= 0)
            {
                throw new IllegalArgumentException("bytesLimitPerNode must be positive, got " + bytes);
            }
            this.bytesLimitPerNode = bytes;
            return this;
        }

        /**
         * @param fallback when a node is full, serve from the nearest other node instead of throwing (default
         *                 false); each such allocation counts as a fallback of the full node.
         * @return this.
         */
        public Builder fallbackToOtherNodes(final boolean fallback)
        {
            this.fallbackToOtherNodes = fallback;
            return this;
        }

        /**
         * @param scrub zero memory when it is freed: slots and page runs before they can be handed out again
         *              (default false; allocations larger than a chunk are unmapped, and come back zeroed anyway).
         * @return this.
         */
        public Builder scrubOnFree(final boolean scrub)
        {
            this.scrubOnFree = scrub;
            return this;
        }

        /**
         * @param chunks empty chunks each arena keeps indefinitely instead of giving back (default 2). Empty chunks
         *               beyond these go back to the OS once they have stayed empty for a whole
         *               {@linkplain #maintenanceInterval maintenance interval} (so a load that swings within one keeps
         *               its chunks), or at once on {@link NumaAllocator#trimCurrentThreadCache()} and
         *               {@link NumaAllocator#maintainNow()}.
         * @return this.
         */
        public Builder retainedEmptyChunks(final int chunks)
        {
            if (chunks < 0)
            {
                throw new IllegalArgumentException("retainedEmptyChunks must be 0 or more, got " + chunks);
            }
            this.retainedEmptyChunks = chunks;
            return this;
        }

        /** @param bytes the largest allocation accepted (default 1 GiB). @return this. */
        public Builder maxAllocationBytes(final int bytes)
        {
            if (bytes <= 0)
            {
                throw new IllegalArgumentException("maxAllocationBytes must be positive, got " + bytes);
            }
            this.maxAllocationBytes = bytes;
            return this;
        }

        /**
         * @param interval how often ended threads' caches are reclaimed, remote frees drained and empty chunks that
         *                 stayed empty for a whole interval returned to the OS (default 1 s).
         * @return this.
         */
        public Builder maintenanceInterval(final Duration interval)
        {
            if (interval.isNegative() || interval.isZero())
            {
                throw new IllegalArgumentException("maintenanceInterval must be positive, got " + interval);
            }
            this.maintenanceInterval = interval;
            return this;
        }

        /** @param register register the per-node MXBeans (default true). @return this. */
        public Builder jmx(final boolean register)
        {
            this.jmx = register;
            return this;
        }

        Builder topology(final NumaTopology topology)
        {
            this.topology = topology;
            return this;
        }

        /**
         * @return the allocator; it maps nothing until the first allocation.
         * @throws IllegalArgumentException for a node that does not exist or has no memory, or inconsistent sizes.
         */
        public NumaAllocator build()
        {
            if (regionSizeBytes < chunkSizeBytes || regionSizeBytes % chunkSizeBytes != 0)
            {
                throw new IllegalArgumentException("regionSizeBytes (" + regionSizeBytes +
                    ") must be a positive multiple of chunkSizeBytes (" + chunkSizeBytes + ")");
            }
            return new NumaAllocator(this);
        }
    }
}
