package io.numaslab.slab;

/**
 * Where a {@link SlabHeap} gets its chunks: large blocks of memory, each aligned to the chunk size.
 *
 * <p>An implementation backed by NUMA-node-bound huge page regions lives in another module; tests use one that
 * hands out made-up addresses, since this layer never touches the memory.
 *
 * <p>A heap calls its source only from the thread that owns the heap, but several heaps may share a source, so
 * an implementation shared that way must be thread-safe.
 */
public interface ChunkSource
{
    /**
     * Returns the size of every chunk this source hands out; constant for the life of the source.
     *
     * @return a power of two from {@link Chunk#MIN_SIZE_BYTES} (256 KiB) to {@link Chunk#MAX_SIZE_BYTES} (1 GiB);
     *         {@link Chunk#DEFAULT_SIZE_BYTES} (2 MiB) unless there is a reason for another
     */
    int chunkSizeBytes();

    /**
     * Hands out a new chunk. Its memory belongs to the caller until {@link #releaseChunk(long)}.
     *
     * @return the base address of the chunk, a nonzero multiple of {@link #chunkSizeBytes()}; or 0 if no chunk
     *         can be had (out of memory, a limit reached); the caller decides what that means for its request
     */
    long acquireChunk();

    /**
     * Takes back a chunk handed out by {@link #acquireChunk()}. The caller must not use its memory afterwards.
     *
     * @param baseAddress an address returned by {@link #acquireChunk()} and not yet released
     * @throws IllegalArgumentException if the address is not an outstanding chunk of this source (optional check)
     */
    void releaseChunk(long baseAddress);

    /**
     * Returns the base address of the mapping that holds a chunk. A mapping goes back to the OS only once all its
     * chunks are released, so a heap keeps the empty chunks it retains where they keep no extra mapping alive.
     *
     * @param chunkBaseAddress an outstanding chunk
     * @return by default the chunk's own address: every chunk a mapping of its own
     */
    default long mappingOf(final long chunkBaseAddress)
    {
        return chunkBaseAddress;
    }

    /**
     * Returns the size of the mapping that holds a chunk: what stays mapped while any chunk of it is outstanding.
     *
     * @param chunkBaseAddress an outstanding chunk
     * @return bytes; by default {@link #chunkSizeBytes()}
     */
    default long mappingSizeBytesOf(final long chunkBaseAddress)
    {
        return chunkSizeBytes();
    }
}
