package io.numaslab.allocator;

import io.numaslab.hugepages.PageKind;
import io.numaslab.slab.ChunkTable;
import io.numaslab.slab.SizeClasses;
import io.numaslab.slab.SlabHeap;
import org.jctools.queues.MessagePassingQueue;
import org.jctools.queues.MpscUnboundedXaddArrayQueue;

import java.util.concurrent.atomic.AtomicLong;


/**
 * One NUMA node's memory: a {@link SlabHeap} over chunks of regions mapped on that node, the MPSC queue through
 * which other nodes' threads send its memory home, and its counters.
 * <p>
 * Threads bound to the node reach the heap only on their caches' slow paths (refill, flush), under
 * {@link #lock}; whoever holds the lock drains the remote-free queue, so the queue has one consumer at a time.
 * The hot paths (a thread cache's pop and push) never come here.
 */
final class NodeArena
{
    final int node;
    final int index;
    final ArenaLock lock = new ArenaLock();
    final SlabHeap heap;
    final RegionChunkSource chunkSource;

    private final MpscUnboundedXaddArrayQueue<RemoteFreeBatch> remoteFrees =
        new MpscUnboundedXaddArrayQueue<>(256, 4);
    private final NumaAllocator allocator;
    private final MessagePassingQueue.Consumer<RemoteFreeBatch> freeBatch = this::freeBatchLocked;

    // Guarded by lock.
    long lockedAllocations;
    long lockedFrees;
    long remoteFreesReceived;
    long remoteBytesReceived;
    long largeBytes;
    /** Set by {@link NumaAllocator#close()} under the lock before it unmaps: nothing is served or zeroed after. */
    boolean closed;
    // Counters of threads that were bound here and have ended or moved, folded in by the allocator.
    long retiredAllocations;
    long retiredFrees;
    long[] retiredRemoteSent;
    long[] retiredRemoteBytesSent;
    final AtomicLong failures = new AtomicLong();
    final AtomicLong fallbacks = new AtomicLong();
    /** Why the last allocation larger than a chunk failed (chunk-sized ones: {@code chunkSource.lastFailure()}). */
    volatile String lastFailure;

    NodeArena(final NumaAllocator allocator, final int node, final int index, final int arenaCount,
        final ChunkTable table, final PageKind pageKind, final int chunkSizeBytes, final long regionSizeBytes,
        final long limitBytes, final int retainedEmptyChunks)
    {
        this.allocator = allocator;
        this.node = node;
        this.index = index;
        this.chunkSource = new RegionChunkSource(node, pageKind, chunkSizeBytes, regionSizeBytes, limitBytes,
            () -> largeBytes);
        // Surplus empty chunks go back a maintenance period after they empty, not at once: see maintain().
        this.heap = new SlabHeap(chunkSource, table, retainedEmptyChunks, true);
        this.heap.setOwner(this);
        this.retiredRemoteSent = new long[arenaCount];
        this.retiredRemoteBytesSent = new long[arenaCount];
    }

    /** @return bytes this node has mapped: its chunks' regions and the regions of allocations larger than a chunk. */
    long mappedBytes()
    {
        return chunkSource.mappedBytes() + largeBytes;
    }

    /** Hands a full batch of this node's addresses home. Any thread; lock-free. */
    void sendHome(final RemoteFreeBatch batch)
    {
        remoteFrees.offer(batch);
    }

    /** Frees every address other nodes have sent home. Caller holds {@link #lock}. */
    void drainRemoteFreesLocked()
    {
        remoteFrees.drain(freeBatch);
    }

    /**
     * Drains the remote frees, then returns the empty chunks beyond the retained ones: those that have stayed empty
     * since the previous call ({@code idleOnly}, the periodic maintenance), or all of them (an explicit trim).
     */
    void drainAndReleaseEmptyChunks(final boolean idleOnly)
    {
        lock.lock();
        try
        {
            if (closed)
            {
                return; // every region is unmapped already
            }
            drainRemoteFreesLocked();
            if (idleOnly)
            {
                heap.releaseIdleEmptyChunks();
            }
            else
            {
                heap.releaseEmptyChunks();
            }
        }
        finally
        {
            lock.unlock();
        }
    }

    private void freeBatchLocked(final RemoteFreeBatch batch)
    {
        for (int i = 0; i < batch.count; i++)
        {
            heap.free(batch.addresses[i]);
        }
        remoteFreesReceived += batch.count;
        remoteBytesReceived += batch.bytes;
        allocator.recycle(batch);
    }

    /** A slot count per class and bytes used, read under the lock for a consistent picture. */
    SizeClassUsage[] sizeClassUsage()
    {
        lock.lock();
        try
        {
            final SizeClassUsage[] usage = new SizeClassUsage[SizeClasses.classCount()];
            for (int c = 0; c < usage.length; c++)
            {
                usage[c] = new SizeClassUsage(c, SizeClasses.sizeOfClass(c), heap.usedSlots(c), heap.freeSlots(c));
            }
            return usage;
        }
        finally
        {
            lock.unlock();
        }
    }

    /**
     * @return bytes of the node's mapped chunks with nothing allocated in them: those the heap holds empty, and those
     *         of its regions it has not taken yet or gave back while other chunks of the region are in use.
     */
    long emptyChunkBytes()
    {
        lock.lock();
        try
        {
            return (long)heap.emptyChunkCount() * chunkSource.chunkSizeBytes() + chunkSource.freeChunkBytes();
        }
        finally
        {
            lock.unlock();
        }
    }

    long heapUsedBytes()
    {
        lock.lock();
        try
        {
            return heap.usedBytes() + largeBytes;
        }
        finally
        {
            lock.unlock();
        }
    }
}
