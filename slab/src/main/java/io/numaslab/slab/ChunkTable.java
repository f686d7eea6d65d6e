package io.numaslab.slab;

/**
 * Finds the {@link Chunk} and the {@link Slab} an address belongs to, from any thread, without locks and without
 * garbage.
 *
 * <p>Since chunks are aligned to their size, {@code address >>> log2(chunkSizeBytes)} is the same for every byte of
 * a chunk and different for every other chunk: that number is the key. The keys and chunks sit in an
 * open-addressing table (linear probing, at most half full) that is never changed once published. Registering or
 * unregistering a chunk builds a new table under a lock and publishes it through one volatile field, so a lookup
 * reads one consistent table: one volatile load, a hash, and a probe or two. Copying the table on every change is
 * cheap next to what a change stands for (mapping or unmapping a chunk of memory).
 *
 * <p>Slabs have a faster map of their own, because every free looks one up: a two-level radix table indexed by the
 * address's 64 KiB page, whose leaves hold the {@link Slab} covering each page (null for a page that is not part of
 * a slab). {@code slabPages[address >>> 32][(address >>> 16) & 0xFFFF]}: two dependent array loads, no hashing, no
 * probing. A leaf covers 4 GiB of address space and costs 256 KiB of heap (compressed references); it is made the
 * first time a slab is carved in its range and kept. Chunks set and clear the entries when they carve and release a
 * slab, under the same lock as the chunk table, with plain stores; a lookup from another thread of an address it
 * holds (handed over with the usual happens-before) sees its slab, and one of a stale or made-up address may see
 * a stale slab or null, which callers check against the slot's live mark.
 *
 * <pre>
 *   address:  | 16 bits: top index | 16 bits: page in leaf | 16 bits: offset in page |   (48-bit user space)
 * </pre>
 *
 * <p>One table serves all heaps whose chunks may be freed from other threads (typically one per process), and all
 * of them must use the same chunk size. Chunks are registered by their {@link SlabHeap} only.
 */
public final class ChunkTable
{
    private static final long FIBONACCI_MULTIPLIER = 0x9E37_79B9_7F4A_7C15L;
    private static final int MIN_CAPACITY = 16;

    /** Addresses at or above 2^48 are beyond any user space; {@link #slabOf(long)} answers null for them. */
    private static final int ADDRESS_BITS = 48;
    private static final int LEAF_SHIFT = 32;
    private static final int PAGE_SHIFT = Integer.numberOfTrailingZeros(Chunk.PAGE_SIZE_BYTES);
    private static final int LEAF_MASK = (1 << (LEAF_SHIFT - PAGE_SHIFT)) - 1;

    private final int chunkSizeBytes;
    private final int chunkShift;
    private final Slab[][] slabPages = new Slab[1 << (ADDRESS_BITS - LEAF_SHIFT)][];
    private final Object writeLock = new Object();
    private volatile Table current = new Table(new long[MIN_CAPACITY], new Chunk[MIN_CAPACITY], 0);

    /** An immutable open-addressing table; an empty slot has a null chunk. */
    private static final class Table
    {
        final long[] keys;
        final Chunk[] chunks;
        final int count;
        final int indexShift;

        Table(final long[] keys, final Chunk[] chunks, final int count)
        {
            this.keys = keys;
            this.chunks = chunks;
            this.count = count;
            this.indexShift = Long.SIZE - Integer.numberOfTrailingZeros(chunks.length);
        }

        /** Fibonacci hashing: chunk keys are often consecutive; the multiply spreads them over the table. */
        int homeSlot(final long key)
        {
            return (int)((key * FIBONACCI_MULTIPLIER) >>> indexShift);
        }
    }

    /**
     * Creates an empty table.
     *
     * @param chunkSizeBytes the size of every chunk to be registered: a power of two from {@link Chunk#MIN_SIZE_BYTES}
     *                       to {@link Chunk#MAX_SIZE_BYTES}
     * @throws IllegalArgumentException if the chunk size is not such a power of two
     */
    public ChunkTable(final int chunkSizeBytes)
    {
        this.chunkSizeBytes = Chunk.checkSizeBytes(chunkSizeBytes);
        this.chunkShift = Integer.numberOfTrailingZeros(chunkSizeBytes);
    }

    /** {@return the size in bytes of every chunk in this table} */
    public int chunkSizeBytes()
    {
        return chunkSizeBytes;
    }

    /**
     * Returns the registered chunk containing {@code address}. Lock-free and garbage-free; safe from any thread.
     *
     * @param address any address
     * @return the chunk, or null if the address is in no registered chunk
     */
    public Chunk chunkOf(final long address)
    {
        final Table table = current;
        final long key = address >>> chunkShift;
        final int mask = table.chunks.length - 1;
        for (int slot = table.homeSlot(key); ; slot = (slot + 1) & mask)
        {
            final Chunk chunk = table.chunks[slot];
            if (chunk == null || table.keys[slot] == key)
            {
                return chunk;
            }
        }
    }

    /**
     * Returns the slab whose pages hold {@code address}: the fast path of every free. Lock-free and garbage-free;
     * safe from any thread (see the class comment for what a stale address may see).
     *
     * @param address any address
     * @return the slab, or null if the address is on no page of a slab
     */
    public Slab slabOf(final long address)
    {
        final long leafIndex = address >>> LEAF_SHIFT;
        if (leafIndex >= slabPages.length)
        {
            return null;
        }
        final Slab[] leaf = slabPages[(int)leafIndex];
        return leaf == null ? null : leaf[(int)(address >>> PAGE_SHIFT) & LEAF_MASK];
    }

    /** Points the pages {@code [firstPageAddress, + pages * 64 KiB)} at {@code slab}, or at nothing for null. */
    void mapSlabPages(final long firstPageAddress, final int pages, final Slab slab)
    {
        synchronized (writeLock)
        {
            for (int p = 0; p < pages; p++)
            {
                final long address = firstPageAddress + ((long)p << PAGE_SHIFT);
                final int leafIndex = (int)(address >>> LEAF_SHIFT);
                Slab[] leaf = slabPages[leafIndex];
                if (leaf == null)
                {
                    if (slab == null)
                    {
                        continue;
                    }
                    leaf = new Slab[LEAF_MASK + 1];
                    slabPages[leafIndex] = leaf;
                }
                leaf[(int)(address >>> PAGE_SHIFT) & LEAF_MASK] = slab;
            }
        }
    }

    /** {@return the number of registered chunks} */
    public int size()
    {
        return current.count;
    }

    /**
     * Makes {@code chunk} findable by {@link #chunkOf(long)}.
     *
     * @throws IllegalStateException if the chunk has another size, or a chunk is already registered at its address
     */
    void register(final Chunk chunk)
    {
        if (chunk.sizeBytes() != chunkSizeBytes)
        {
            throw new IllegalStateException("chunk at 0x" + Long.toHexString(chunk.baseAddress()) + " has " +
                chunk.sizeBytes() + " bytes but this table holds chunks of " + chunkSizeBytes + " bytes");
        }
        if (chunk.baseAddress() >>> ADDRESS_BITS != 0)
        {
            throw new IllegalStateException("chunk at 0x" + Long.toHexString(chunk.baseAddress()) +
                " lies above 2^48, beyond the address space the slab map covers");
        }
        synchronized (writeLock)
        {
            if (chunkOf(chunk.baseAddress()) != null)
            {
                throw new IllegalStateException("chunk at 0x" + Long.toHexString(chunk.baseAddress()) +
                    " is already registered: the chunk source handed out the same memory twice");
            }
            current = rebuild(current, chunk, null);
        }
    }

    /**
     * Removes {@code chunk}; lookups of its addresses return null from then on.
     *
     * @throws IllegalStateException if the chunk is not registered
     */
    void unregister(final Chunk chunk)
    {
        synchronized (writeLock)
        {
            if (chunkOf(chunk.baseAddress()) != chunk)
            {
                throw new IllegalStateException("chunk at 0x" + Long.toHexString(chunk.baseAddress()) +
                    " is not registered");
            }
            current = rebuild(current, null, chunk);
        }
    }

    /** A new table holding the chunks of {@code old}, plus {@code added} and minus {@code removed} (each may be null). */
    private static Table rebuild(final Table old, final Chunk added, final Chunk removed)
    {
        final int count = old.count + (added != null ? 1 : 0) - (removed != null ? 1 : 0);
        final int capacity = Math.max(MIN_CAPACITY, Integer.highestOneBit(Math.max(1, count)) * 4); // at most half full
        final Table table = new Table(new long[capacity], new Chunk[capacity], count);
        for (final Chunk chunk : old.chunks)
        {
            if (chunk != null && chunk != removed)
            {
                insert(table, chunk);
            }
        }
        if (added != null)
        {
            insert(table, added);
        }
        return table;
    }

    private static void insert(final Table table, final Chunk chunk)
    {
        final long key = chunk.baseAddress() >>> Integer.numberOfTrailingZeros(chunk.sizeBytes());
        final int mask = table.chunks.length - 1;
        int slot = table.homeSlot(key);
        while (table.chunks[slot] != null)
        {
            slot = (slot + 1) & mask;
        }
        table.keys[slot] = key;
        table.chunks[slot] = chunk;
    }
}
