package io.numaslab.slab;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * A heap of off-heap addresses carved from chunks of a {@link ChunkSource}: sizes up to 64 KiB come from slabs of
 * their {@link SizeClasses size class}, larger ones from page runs of up to a whole chunk.
 *
 * <p>The allocation path, top to bottom: size → class ({@link SizeClasses#classIndexOf}) → the first slab of that
 * class with a free slot → the slab's lowest free slot. Per class the heap keeps a doubly linked list of the slabs
 * with a free slot (the links live in the reused {@link Slab} objects, so no garbage). Only when the list is empty
 * does it carve a new slab: from the first chunk with enough free pages, else from a new chunk.
 *
 * <p>Freeing goes the other way: address → {@link Chunk} (through the {@link ChunkTable}) → page → slab → slot.
 * Every free is checked against the bookkeeping first; an address that is not the start of a live allocation of
 * this heap is refused with an {@link InvalidFreeException} and changes nothing. A slab whose last slot is freed
 * gives its pages back to its chunk at once. A chunk left with no pages in use is kept for reuse while at most
 * {@code retainedEmptyChunks} empty chunks are kept; beyond that it is unregistered and returned to the source, at
 * once or, for a heap built to {@linkplain #SlabHeap(ChunkSource, ChunkTable, int, boolean) release later}, by
 * {@link #releaseIdleEmptyChunks()} once it has stayed empty for a whole period.
 *
 * <p><b>Not thread-safe.</b> A heap has one owner at a time and the caller serialises every call (typically one
 * heap per thread or per NUMA node behind a lock). Other threads may only look its chunks up in the shared
 * {@link ChunkTable} to find the owning heap ({@link Chunk#heap()}) and hand the address over to it.
 *
 * <p>Allocating and freeing a class whose slab has room allocate no Java objects.
 */
public final class SlabHeap
{
    private final ChunkSource source;
    private final ChunkTable table;
    private final SizeClasses classes;
    private final int chunkSizeBytes;
    private final int retainedEmptyChunks;
    private final boolean releaseLater;
    /** How many times {@link #releaseIdleEmptyChunks()} ran; an emptied chunk is stamped with it. */
    private long releasePasses;

    /** Per class, the first slab with a free slot, or null; linked through {@link Slab#nextWithFree}. */
    private final Slab[] slabsWithFreeSlots;
    private Chunk[] chunks = new Chunk[8];
    private int chunkCount;

    private long usedBytes;
    private final long[] usedSlotsByClass;
    private final long[] freeSlotsByClass;
    private long chunkAcquires;
    private long chunkReleases;
    private Object owner; // set before the first chunk is registered; published with it by the ChunkTable

    /**
     * Creates an empty heap; it acquires its first chunk on its first allocation.
     *
     * @param source              where chunks come from
     * @param table               where the heap registers its chunks; shared by all heaps of the process
     * @param retainedEmptyChunks how many chunks with nothing allocated in them to keep for reuse rather than
     *                            return to the source; 0 or more
     * @throws IllegalArgumentException if the source and the table disagree on the chunk size, the chunk size is not
     *                                  a power of two from 256 KiB to 1 GiB, or {@code retainedEmptyChunks} is negative
     */
    public SlabHeap(final ChunkSource source, final ChunkTable table, final int retainedEmptyChunks)
    {
        this(source, table, retainedEmptyChunks, false);
    }

    /**
     * Creates an empty heap that may keep empty chunks beyond {@code retainedEmptyChunks} until its owner releases
     * them. A heap whose use swings (a burst of large buffers, then none) would otherwise unmap a chunk on every
     * downswing and map it again on the next upswing, which costs system calls, page faults and the Java objects of a
     * new {@link Chunk} each time. With {@code releaseLater} the surplus stays until
     * {@link #releaseIdleEmptyChunks()} finds it still empty a period later (the owner calls that periodically,
     * like jemalloc's decay of dirty pages) or {@link #releaseEmptyChunks()} gives it all back.
     *
     * @param source              where chunks come from
     * @param table               where the heap registers its chunks; shared by all heaps of the process
     * @param retainedEmptyChunks how many chunks with nothing allocated in them to keep for reuse indefinitely; 0 or
     *                            more
     * @param releaseLater        false: return a surplus empty chunk at once, as
     *                            {@link #SlabHeap(ChunkSource, ChunkTable, int)} does; true: keep it until the owner
     *                            calls {@link #releaseIdleEmptyChunks()} or {@link #releaseEmptyChunks()}
     * @throws IllegalArgumentException as {@link #SlabHeap(ChunkSource, ChunkTable, int)}
     */
    public SlabHeap(final ChunkSource source, final ChunkTable table, final int retainedEmptyChunks,
        final boolean releaseLater)
    {
        this.source = Objects.requireNonNull(source, "source");
        this.table = Objects.requireNonNull(table, "table");
        this.chunkSizeBytes = Chunk.checkSizeBytes(source.chunkSizeBytes());
        if (table.chunkSizeBytes() != chunkSizeBytes)
        {
            throw new IllegalArgumentException("the chunk source hands out chunks of " + chunkSizeBytes +
                " bytes but the chunk table holds chunks of " + table.chunkSizeBytes() + " bytes");
        }
        if (retainedEmptyChunks < 0)
        {
            throw new IllegalArgumentException("retainedEmptyChunks is " + retainedEmptyChunks + ": must be 0 or more");
        }
        this.retainedEmptyChunks = retainedEmptyChunks;
        this.releaseLater = releaseLater;
        this.classes = SizeClasses.forChunkSize(chunkSizeBytes);
        this.slabsWithFreeSlots = new Slab[SizeClasses.classCount()];
        this.usedSlotsByClass = new long[SizeClasses.classCount()];
        this.freeSlotsByClass = new long[SizeClasses.classCount()];
    }

    /**
     * Tags this heap with the object that owns it (for example a NUMA node's arena), so that a thread that finds a
     * chunk through the {@link ChunkTable} can tell whom its addresses belong to: {@code chunk.heap().owner()}.
     *
     * @param owner any object, or null
     */
    public void setOwner(final Object owner)
    {
        this.owner = owner;
    }

    /** {@return the table this heap registers its chunks (and maps its slabs) in} */
    ChunkTable table()
    {
        return table;
    }

    /** Returns the object set by {@link #setOwner(Object)}, or null. */
    public Object owner()
    {
        return owner;
    }

    // ---------------------------------------------------------------- allocate

    /**
     * Allocates {@code sizeBytes} bytes. Sizes up to 64 KiB get a slot of their size class, aligned to 16 bytes,
     * and to the class size when that is a power of two; larger sizes get a run of whole 64 KiB pages, aligned to
     * 64 KiB.
     * The memory is not cleared (it is not touched at all).
     *
     * @param sizeBytes 1 to {@link #maxAllocationBytes()}
     * @return the address, or 0 if the chunk source has no more chunks (the caller turns that into its own error)
     * @throws IllegalArgumentException if {@code sizeBytes} is 0, negative or above {@link #maxAllocationBytes()}
     */
    public long allocate(final int sizeBytes)
    {
        if (sizeBytes > 0 && sizeBytes <= SizeClasses.MAX_SMALL_SIZE_BYTES)
        {
            return allocateSlot(SizeClasses.classIndexOf(sizeBytes));
        }
        return allocateRun(sizeBytes);
    }

    /**
     * Allocates up to {@code max} slots of one class into {@code out[offset .. offset + max)}, for a thread cache
     * refilling itself. Same as {@code max} calls of {@code allocate(SizeClasses.sizeOfClass(classIndex))}.
     *
     * @param classIndex the size class, 0 to {@code SizeClasses.classCount() - 1}
     * @param out        receives the addresses
     * @param offset     index in {@code out} of the first address
     * @param max        how many addresses to allocate at most, 0 or more
     * @return how many were allocated: {@code max}, or fewer only if the chunk source ran out of chunks or threw
     *         after some were allocated
     * @throws IllegalArgumentException  if the class index is out of range
     * @throws IndexOutOfBoundsException if {@code [offset, offset + max)} is not inside {@code out}
     * @throws RuntimeException          what the chunk source threw, if it threw before any slot was allocated
     */
    public int allocateBatch(final int classIndex, final long[] out, final int offset, final int max)
    {
        return allocateBatch(classIndex, out, null, offset, max);
    }

    /**
     * As {@link #allocateBatch(int, long[], int, int)}, and also tells the slab of each address, so that a thread
     * cache need not look them up.
     *
     * @param slabsOut receives the slab of each address at the same index as {@code out}; null for none
     */
    public int allocateBatch(final int classIndex, final long[] out, final Slab[] slabsOut, final int offset,
        final int max)
    {
        if (classIndex < 0 || classIndex >= SizeClasses.classCount())
        {
            throw new IllegalArgumentException("allocateBatch: class index " + classIndex + " is not in [0, " +
                SizeClasses.classCount() + ")");
        }
        Objects.checkFromIndexSize(offset, max, out.length);
        if (slabsOut != null)
        {
            Objects.checkFromIndexSize(offset, max, slabsOut.length);
        }
        int filled = 0;
        while (filled < max)
        {
            final Slab slab;
            try
            {
                slab = slabWithFreeSlot(classIndex);
            }
            catch (final RuntimeException chunkSourceFailed)
            {
                if (filled == 0)
                {
                    throw chunkSourceFailed;
                }
                // The slots taken so far are counted as used: hand them over, or nobody could ever free them. The
                // next batch meets the failure again, with nothing taken.
                break;
            }
            if (slab == null)
            {
                break;
            }
            if (slabsOut != null)
            {
                slabsOut[offset + filled] = slab;
            }
            out[offset + filled++] = takeSlot(slab);
        }
        return filled;
    }

    private long allocateSlot(final int classIndex)
    {
        final Slab slab = slabWithFreeSlot(classIndex);
        return slab == null ? 0 : takeSlot(slab);
    }

    /** Takes the lowest free slot of a slab that has one, and counts it. */
    private long takeSlot(final Slab slab)
    {
        final long address = slab.allocateSlot();
        if (slab.isFull())
        {
            unlink(slab); // only slabs with a free slot stay on the list, so the next allocate need not search
        }
        usedSlotsByClass[slab.classIndex]++;
        freeSlotsByClass[slab.classIndex]--;
        usedBytes += slab.slotSizeBytes;
        return address;
    }

    /** The first slab of the class with a free slot, carving a new one if there is none; null if out of chunks. */
    private Slab slabWithFreeSlot(final int classIndex)
    {
        Slab slab = slabsWithFreeSlots[classIndex];
        if (slab != null)
        {
            return slab;
        }
        final Chunk chunk = chunkWithFreePages(classes.slabPages(classIndex));
        if (chunk == null)
        {
            return null;
        }
        slab = chunk.carveSlab(classIndex, classes);
        freeSlotsByClass[classIndex] += slab.slotCount;
        link(slab);
        return slab;
    }

    private long allocateRun(final int sizeBytes)
    {
        if (sizeBytes <= 0 || sizeBytes > chunkSizeBytes)
        {
            throw new IllegalArgumentException("allocate(" + sizeBytes + " bytes): sizes must be from 1 to " +
                chunkSizeBytes +
                " bytes (one chunk); allocate larger blocks outside the slab heap or use larger chunks");
        }
        final int pages = (sizeBytes + Chunk.PAGE_SIZE_BYTES - 1) >>> Chunk.PAGE_SHIFT;
        final Chunk chunk = chunkWithFreePages(pages);
        if (chunk == null)
        {
            return 0;
        }
        usedBytes += (long)pages * Chunk.PAGE_SIZE_BYTES;
        return chunk.carveRun(pages);
    }

    /**
     * A chunk with a stretch of {@code pages} free pages: the first held chunk that has one (first fit packs new
     * slabs and runs into the chunks at the front, so the others get a chance to empty out), else a new chunk from
     * the source; null if the source has none. Called once per new slab or page run, never per slot.
     */
    private Chunk chunkWithFreePages(final int pages)
    {
        for (int i = 0; i < chunkCount; i++)
        {
            final Chunk chunk = chunks[i];
            if (chunk.hasFreeStretch(pages))
            {
                return chunk;
            }
        }
        return acquireChunk();
    }

    private Chunk acquireChunk()
    {
        final long baseAddress = source.acquireChunk();
        if (baseAddress == 0)
        {
            return null;
        }
        if ((baseAddress & (chunkSizeBytes - 1)) != 0)
        {
            source.releaseChunk(baseAddress);
            throw new IllegalStateException("the chunk source returned chunk 0x" + Long.toHexString(baseAddress) +
                ", which is not aligned to its chunk size of " + chunkSizeBytes + " bytes; it was released again");
        }
        final Chunk chunk = new Chunk(this, baseAddress, chunkSizeBytes);
        chunk.emptySincePass = releasePasses;
        table.register(chunk);
        if (chunkCount == chunks.length)
        {
            chunks = Arrays.copyOf(chunks, chunkCount * 2);
        }
        chunks[chunkCount++] = chunk;
        chunkAcquires++;
        return chunk;
    }

    // ---------------------------------------------------------------- free

    /**
     * Frees an allocation of this heap.
     *
     * @param address an address returned by {@link #allocate(int)} or {@link #allocateBatch} of this heap and not
     *                freed since
     * @throws InvalidFreeException if the address is in no chunk of this heap, is not the start of an allocation
     *                              (interior pointer), or was already freed; the message says which, and nothing is
     *                              changed
     */
    public void free(final long address)
    {
        final Slab slab = table.slabOf(address);
        if (slab != null)
        {
            final int slot = slab.heap == this ? slab.liveSlotIndexOf(address) : -1;
            if (slot >= 0)
            {
                freeSlot(slab, slot);
                return;
            }
        }
        else
        {
            final Chunk chunk = runChunkOf(address);
            if (chunk != null)
            {
                freeRun(chunk, chunk.pageIndexOf(address));
                return;
            }
        }
        throw new InvalidFreeException(address, problemWith(address));
    }

    /**
     * Frees a slot whose slab the caller already knows (a thread cache keeps the slab of each slot it holds), without
     * looking the address up.
     *
     * @param slab a slab of this heap
     * @param slot a slot of it that is in use
     * @throws InvalidFreeException if the slab is not this heap's or the slot is not in use; nothing is changed
     */
    public void free(final Slab slab, final int slot)
    {
        if (slab.heap != this || slot < 0 || slot >= slab.slotCount || slab.isFree(slot) || slab.slotSpanBytes() == 0)
        {
            final long address = slab.baseAddress + (long)Math.max(0, slot) * slab.slotSizeBytes;
            throw new InvalidFreeException(address, "slot " + slot + " of the slab at 0x" +
                Long.toHexString(slab.baseAddress) + " is not in use in this heap");
        }
        freeSlot(slab, slot);
    }

    private void freeSlot(final Slab slab, final int slot)
    {
        final boolean wasFull = slab.isFull();
        slab.freeSlot(slot);
        usedSlotsByClass[slab.classIndex]--;
        freeSlotsByClass[slab.classIndex]++;
        usedBytes -= slab.slotSizeBytes;
        if (wasFull)
        {
            link(slab); // it has a free slot again
        }
        if (slab.isEmpty())
        {
            retireSlab(slab);
        }
    }

    /** An empty slab gives its pages back, so any class (or a page run) can use them. */
    private void retireSlab(final Slab slab)
    {
        unlink(slab);
        freeSlotsByClass[slab.classIndex] -= slab.slotCount;
        final Chunk chunk = slab.chunk;
        chunk.releaseRun(slab.firstPage);
        if (chunk.isEmpty())
        {
            chunkBecameEmpty(chunk);
        }
    }

    private void freeRun(final Chunk chunk, final int firstPage)
    {
        usedBytes -= (long)chunk.runPageCount(firstPage) * Chunk.PAGE_SIZE_BYTES;
        chunk.releaseRun(firstPage);
        if (chunk.isEmpty())
        {
            chunkBecameEmpty(chunk);
        }
    }

    /**
     * Keeps an empty chunk while at most {@code retainedEmptyChunks} are kept, so a heap that shrinks and grows
     * again does not map and unmap chunks each time; returns it to the source otherwise, or, for a heap that
     * releases later, stamps it so that {@link #releaseIdleEmptyChunks()} can tell how long it has been empty.
     * Counting the empty chunks walks the chunk list, which is fine: a chunk empties rarely.
     */
    private void chunkBecameEmpty(final Chunk chunk)
    {
        chunk.emptySincePass = releasePasses;
        if (!releaseLater && emptyChunkCount() > retainedEmptyChunks)
        {
            releaseChunk(chunk);
        }
    }

    /**
     * Returns to the source the empty chunks beyond {@code retainedEmptyChunks} that were already empty at the
     * previous call and have stayed empty since: called every period (a second, say), it gives back what the heap
     * has not needed for a whole period, oldest first, and keeps what a swinging load empties and refills within
     * one. For a heap that releases at once there is never anything to release.
     *
     * @return how many chunks went back to the source
     */
    public int releaseIdleEmptyChunks()
    {
        final long pass = ++releasePasses;
        return releaseEmptyChunks(pass - 2);
    }

    /**
     * Returns to the source every empty chunk beyond {@code retainedEmptyChunks} now, however recently it emptied
     * (an explicit trim).
     *
     * @return how many chunks went back to the source
     */
    public int releaseEmptyChunks()
    {
        return releaseEmptyChunks(Long.MAX_VALUE);
    }

    /**
     * Releases surplus empty chunks stamped at or before {@code stampAtMost}, keeping of them those that cost the
     * least memory to keep ({@link #cheapestToKeep}). Off the hot path (maintenance and trims): it sorts and groups
     * the candidates.
     */
    private int releaseEmptyChunks(final long stampAtMost)
    {
        final int surplus = emptyChunkCount() - retainedEmptyChunks;
        if (surplus <= 0)
        {
            return 0;
        }
        final List<Chunk> candidates = new ArrayList<>();
        for (int i = 0; i < chunkCount; i++)
        {
            if (chunks[i].isEmpty() && chunks[i].emptySincePass <= stampAtMost)
            {
                candidates.add(chunks[i]);
            }
        }
        final int released = Math.min(surplus, candidates.size());
        final Set<Chunk> kept = cheapestToKeep(candidates, candidates.size() - released);
        for (final Chunk chunk : candidates)
        {
            if (!kept.contains(chunk))
            {
                releaseChunk(chunk);
            }
        }
        return released;
    }

    /**
     * Chooses {@code keepCount} of the candidates to keep so that keeping them holds as little memory as possible.
     * A chunk goes back to the OS only with its whole mapping ({@link ChunkSource#mappingOf}): kept in a mapping
     * that stays mapped anyway (one of its chunks is in use, or is an empty chunk not up for release), a chunk costs
     * nothing; otherwise it keeps its whole mapping, so the rest are kept together, in the mappings with the fewest
     * bytes per chunk kept. Kept chunks of a mapping are its most recently emptied. Without this, releasing the
     * oldest first, two retained 2 MiB chunks could keep two 8 MiB regions mapped.
     */
    private Set<Chunk> cheapestToKeep(final List<Chunk> candidates, final int keepCount)
    {
        final Set<Chunk> kept = Collections.newSetFromMap(new IdentityHashMap<>());
        if (keepCount == 0)
        {
            return kept;
        }
        final Set<Chunk> candidateSet = Collections.newSetFromMap(new IdentityHashMap<>());
        candidateSet.addAll(candidates);
        final Set<Long> mappedAnyway = new HashSet<>();
        for (int i = 0; i < chunkCount; i++)
        {
            if (!candidateSet.contains(chunks[i]))
            {
                mappedAnyway.add(source.mappingOf(chunks[i].baseAddress()));
            }
        }
        final List<Chunk> newestFirst = new ArrayList<>(candidates);
        newestFirst.sort(Comparator.comparingLong((Chunk chunk) -> chunk.emptySincePass).reversed());
        final Map<Long, List<Chunk>> byMapping = new HashMap<>();
        for (final Chunk chunk : newestFirst)
        {
            final long mapping = source.mappingOf(chunk.baseAddress());
            if (!mappedAnyway.contains(mapping))
            {
                byMapping.computeIfAbsent(mapping, m -> new ArrayList<>()).add(chunk);
            }
            else if (kept.size() < keepCount)
            {
                kept.add(chunk);
            }
        }
        while (kept.size() < keepCount)
        {
            final int need = keepCount - kept.size();
            Map.Entry<Long, List<Chunk>> best = null;
            long bestBytes = 0;
            int bestCount = 0;
            for (final Map.Entry<Long, List<Chunk>> entry : byMapping.entrySet())
            {
                final long bytes = source.mappingSizeBytesOf(entry.getValue().get(0).baseAddress());
                final int count = Math.min(need, entry.getValue().size());
                // fewer bytes per chunk kept (bytes / count) wins; ties go to the smaller mapping, then the lower address
                final long order = best == null ? -1 : Long.compare(bytes * bestCount, bestBytes * count);
                if (best == null || order < 0 || order == 0 && (bytes < bestBytes ||
                    bytes == bestBytes && entry.getKey() < best.getKey()))
                {
                    best = entry;
                    bestBytes = bytes;
                    bestCount = count;
                }
            }
            kept.addAll(best.getValue().subList(0, bestCount));
            byMapping.remove(best.getKey());
        }
        return kept;
    }

    /**
     * {@return how many of the chunks this heap holds have nothing allocated in them: the retained ones, and for a
     * heap that releases later those waiting for a release pass} Walks the chunk list: for metrics, not hot paths.
     */
    public int emptyChunkCount()
    {
        int emptyChunks = 0;
        for (int i = 0; i < chunkCount; i++)
        {
            emptyChunks += chunks[i].isEmpty() ? 1 : 0;
        }
        return emptyChunks;
    }

    private void releaseChunk(final Chunk chunk)
    {
        table.unregister(chunk); // first, so no thread finds a chunk whose memory is gone
        final int i = indexOfChunk(chunk);
        chunks[i] = chunks[--chunkCount];
        chunks[chunkCount] = null;
        source.releaseChunk(chunk.baseAddress());
        chunkReleases++;
    }

    private int indexOfChunk(final Chunk chunk)
    {
        for (int i = 0; i < chunkCount; i++)
        {
            if (chunks[i] == chunk)
            {
                return i;
            }
        }
        throw new IllegalStateException("chunk at 0x" + Long.toHexString(chunk.baseAddress()) +
            " is not held by this heap");
    }

    // ---------------------------------------------------------------- queries

    /**
     * Returns how many bytes the allocation at {@code address} may use: its class size, or its page run length.
     *
     * @param address an address returned by {@link #allocate(int)} of this heap and not freed since
     * @return at least the size that was requested
     * @throws IllegalArgumentException if the address is not the start of a live allocation of this heap; the
     *                                  message says what it is instead
     */
    public int usableSize(final long address)
    {
        final Slab slab = table.slabOf(address);
        if (slab != null)
        {
            if (slab.heap == this && slab.liveSlotIndexOf(address) >= 0)
            {
                return slab.slotSizeBytes;
            }
        }
        else
        {
            final Chunk chunk = runChunkOf(address);
            if (chunk != null)
            {
                return chunk.runPageCount(chunk.pageIndexOf(address)) * Chunk.PAGE_SIZE_BYTES;
            }
        }
        throw new IllegalArgumentException("usableSize(0x" + Long.toHexString(address) + "): " + problemWith(address));
    }

    /**
     * The chunk of this heap in which {@code address} starts a page run, or null. Slab pages are not looked at: the
     * slab map ({@link ChunkTable#slabOf(long)}) answers for those.
     */
    private Chunk runChunkOf(final long address)
    {
        final Chunk chunk = table.chunkOf(address);
        if (chunk == null || chunk.heap() != this)
        {
            return null;
        }
        final int page = chunk.pageIndexOf(address);
        return chunk.pageKind(page) == Chunk.PAGE_RUN && isRunStart(chunk, page, address) ? chunk : null;
    }

    private static boolean isRunStart(final Chunk chunk, final int page, final long address)
    {
        return address == chunk.pageAddress(chunk.runFirstPage(page));
    }

    /** Says why {@code address} is not the start of a live allocation of this heap. Error path only. */
    private String problemWith(final long address)
    {
        final Chunk chunk = table.chunkOf(address);
        if (chunk == null)
        {
            return "not inside any chunk in the chunk table (never allocated, or its chunk was already returned)";
        }
        if (chunk.heap() != this)
        {
            return "inside a chunk of another SlabHeap; free it through the heap that allocated it (Chunk.heap())";
        }
        final int page = chunk.pageIndexOf(address);
        return switch (chunk.pageKind(page))
        {
            case Chunk.PAGE_SLAB -> chunk.slabAt(page).problemWith(address);
            case Chunk.PAGE_RUN -> "inside the " + chunk.runPageCount(page) * Chunk.PAGE_SIZE_BYTES +
                "-byte page run at 0x" +
                Long.toHexString(chunk.pageAddress(chunk.runFirstPage(page))) + " (interior pointer)";
            default -> "inside a free page (double free, or never allocated)";
        };
    }

    /** {@return the largest size {@link #allocate(int)} serves: one chunk} */
    public int maxAllocationBytes()
    {
        return chunkSizeBytes;
    }

    /** {@return the size classes and slab geometry this heap uses} */
    public SizeClasses sizeClasses()
    {
        return classes;
    }

    /** {@return the bytes of all chunks this heap holds, in use or not: {@code chunkCount() * chunkSizeBytes}} */
    public long reservedBytes()
    {
        return (long)chunkCount * chunkSizeBytes;
    }

    /** {@return the bytes of all live allocations, each counted at its usable size (class size or run length)} */
    public long usedBytes()
    {
        return usedBytes;
    }

    /** {@return the number of chunks this heap holds, including the empty ones it keeps} */
    public int chunkCount()
    {
        return chunkCount;
    }

    /**
     * Returns the number of live allocations of a size class.
     *
     * @param classIndex 0 to {@code SizeClasses.classCount() - 1}
     * @return the number of slots of that class handed out and not freed
     * @throws ArrayIndexOutOfBoundsException if the class index is out of range
     */
    public long usedSlots(final int classIndex)
    {
        return usedSlotsByClass[classIndex];
    }

    /**
     * Returns the number of free slots in the slabs of a size class: what it can allocate without a new slab.
     *
     * @param classIndex 0 to {@code SizeClasses.classCount() - 1}
     * @return the free slots of all slabs of that class
     * @throws ArrayIndexOutOfBoundsException if the class index is out of range
     */
    public long freeSlots(final int classIndex)
    {
        return freeSlotsByClass[classIndex];
    }

    /** {@return how many chunks this heap has acquired from its source so far} */
    public long chunkAcquires()
    {
        return chunkAcquires;
    }

    /** {@return how many chunks this heap has released to its source so far} */
    public long chunkReleases()
    {
        return chunkReleases;
    }

    // ---------------------------------------------------------------- free lists

    /** Pushes a slab that has a free slot on the front of its class list: it is the next to serve. */
    private void link(final Slab slab)
    {
        final Slab head = slabsWithFreeSlots[slab.classIndex];
        slab.previousWithFree = null;
        slab.nextWithFree = head;
        if (head != null)
        {
            head.previousWithFree = slab;
        }
        slabsWithFreeSlots[slab.classIndex] = slab;
    }

    private void unlink(final Slab slab)
    {
        if (slab.previousWithFree != null)
        {
            slab.previousWithFree.nextWithFree = slab.nextWithFree;
        }
        else
        {
            slabsWithFreeSlots[slab.classIndex] = slab.nextWithFree;
        }
        if (slab.nextWithFree != null)
        {
            slab.nextWithFree.previousWithFree = slab.previousWithFree;
        }
        slab.previousWithFree = null;
        slab.nextWithFree = null;
    }

    // ---------------------------------------------------------------- checking

    /**
     * Checks all bookkeeping against itself: page maps, slab bitmaps, the per-class lists, the counters, the chunk
     * table and the retained-chunk limit. Walks everything, so it is for tests and debugging, not for hot paths.
     *
     * @throws IllegalStateException naming the first inconsistency found
     */
    public void verifyInvariants()
    {
        final long[] usedSlots = new long[SizeClasses.classCount()];
        final long[] freeSlots = new long[SizeClasses.classCount()];
        final int[] slabsWithRoom = new int[SizeClasses.classCount()];
        long used = 0;
        int emptyChunks = 0;
        int idleEmptyChunks = 0;
        for (int i = 0; i < chunkCount; i++)
        {
            final Chunk chunk = chunks[i];
            idleEmptyChunks += chunk.isEmpty() && chunk.emptySincePass <= releasePasses - 2 ? 1 : 0;
            check(chunk.heap() == this && table.chunkOf(chunk.baseAddress()) == chunk,
                "chunk 0x" + Long.toHexString(chunk.baseAddress()) + " is not registered as this heap's");
            chunk.verifyPageMap();
            for (int p = 0; p < chunk.pageCount(); p++)
            {
                final Slab mapped = table.slabOf(chunk.pageAddress(p) + Chunk.PAGE_SIZE_BYTES / 2);
                final Slab expected = chunk.pageKind(p) == Chunk.PAGE_SLAB ? chunk.slabAt(p) : null;
                check(mapped == expected, "chunk 0x" + Long.toHexString(chunk.baseAddress()) + ", page " + p +
                    ": the slab map says " + mapped + " but the page map says " + expected);
            }
            emptyChunks += chunk.isEmpty() ? 1 : 0;
            int page = 0;
            while (page < chunk.pageCount())
            {
                if (chunk.pageKind(page) == Chunk.PAGE_FREE)
                {
                    page++;
                    continue;
                }
                if (chunk.pageKind(page) == Chunk.PAGE_RUN)
                {
                    used += (long)chunk.runPageCount(page) * Chunk.PAGE_SIZE_BYTES;
                }
                else if (chunk.pageKind(page) == Chunk.PAGE_SLAB)
                {
                    final Slab slab = chunk.slabAt(page);
                    slab.verify();
                    final int c = slab.classIndex;
                    check(chunk.runPageCount(page) == classes.slabPages(c) && slab.slotCount == classes.slotsPerSlab(c),
                        "slab at 0x" + Long.toHexString(slab.baseAddress) + " does not have the geometry of class " +
                        c);
                    usedSlots[c] += slab.usedSlots;
                    freeSlots[c] += slab.slotCount - slab.usedSlots;
                    slabsWithRoom[c] += slab.isFull() ? 0 : 1;
                    used += (long)slab.usedSlots * slab.slotSizeBytes;
                }
                page += chunk.runPageCount(page);
            }
        }
        for (int c = 0; c < SizeClasses.classCount(); c++)
        {
            check(usedSlots[c] == usedSlotsByClass[c],
                "class " + c + ": used slots " + usedSlotsByClass[c] + " but " + usedSlots[c] + " in slabs");
            check(freeSlots[c] == freeSlotsByClass[c],
                "class " + c + ": free slots " + freeSlotsByClass[c] + " but " + freeSlots[c] + " in slabs");
            check(countListed(c) == slabsWithRoom[c],
                "class " + c + ": " + slabsWithRoom[c] + " slabs have room but the list differs");
        }
        check(used == usedBytes, "used bytes " + usedBytes + " but " + used + " in slabs and runs");
        if (releaseLater)
        {
            check(idleEmptyChunks <= retainedEmptyChunks, idleEmptyChunks + " chunks kept that have been empty since " +
                "before the previous release pass, limit " + retainedEmptyChunks);
        }
        else
        {
            check(emptyChunks <= retainedEmptyChunks, emptyChunks + " empty chunks kept, limit " + retainedEmptyChunks);
        }
    }

    /** Walks one class list, checking its links and that every slab on it has room; returns its length. */
    private int countListed(final int classIndex)
    {
        int count = 0;
        final long mostSlabsPossible = (long)chunkCount * (chunkSizeBytes / Chunk.PAGE_SIZE_BYTES);
        Slab previous = null;
        for (Slab slab = slabsWithFreeSlots[classIndex]; slab != null; slab = slab.nextWithFree)
        {
            check(count <= mostSlabsPossible, "class " + classIndex + ": the list of slabs with room has a cycle");
            check(slab.classIndex == classIndex && !slab.isFull() && slab.previousWithFree == previous &&
                    slab.chunk.pageKind(slab.firstPage) == Chunk.PAGE_SLAB && slab.chunk.slabAt(slab.firstPage) == slab,
                "class " + classIndex + ": slab at 0x" + Long.toHexString(slab.baseAddress) +
                " is wrongly on its list");
            previous = slab;
            count++;
        }
        return count;
    }

    private static void check(final boolean condition, final String problem)
    {
        if (!condition)
        {
            throw new IllegalStateException("SlabHeap invariant broken: " + problem);
        }
    }
}
