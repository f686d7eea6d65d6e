package io.numaslab.slab;

import java.util.TreeSet;

/**
 * A chunk source that hands out made-up, chunk-aligned addresses (0x7f00_0000_0000 + i * chunkSize) and counts
 * what it does. Released addresses are handed out again, lowest first, as a real source would reuse memory.
 * Never touches memory, since the slab layer never does.
 */
final class FakeChunkSource implements ChunkSource
{
    static final long FIRST_BASE_ADDRESS = 0x7f00_0000_0000L;

    private final int chunkSizeBytes;
    private final int maxOutstandingChunks;
    /** Chunks per mapping, as a region source would map them: aligned groups of this many. */
    int chunksPerMapping = 1;
    private final TreeSet<Long> outstanding = new TreeSet<>();
    private final TreeSet<Long> released = new TreeSet<>();
    private long nextNewAddress = FIRST_BASE_ADDRESS;
    long acquires;
    long releases;
    /** If positive, the acquire that throws (1 for the first): a source whose mapping fails unexpectedly. */
    long throwingAcquire;

    FakeChunkSource(final int chunkSizeBytes, final int maxOutstandingChunks)
    {
        this.chunkSizeBytes = chunkSizeBytes;
        this.maxOutstandingChunks = maxOutstandingChunks;
    }

    static FakeChunkSource unlimited(final int chunkSizeBytes)
    {
        return new FakeChunkSource(chunkSizeBytes, Integer.MAX_VALUE);
    }

    @Override
    public int chunkSizeBytes()
    {
        return chunkSizeBytes;
    }

    @Override
    public long acquireChunk()
    {
        if (acquires + 1 == throwingAcquire)
        {
            throw new IllegalStateException("acquire " + throwingAcquire + " fails");
        }
        if (outstanding.size() >= maxOutstandingChunks)
        {
            return 0;
        }
        final long address;
        if (!released.isEmpty())
        {
            address = released.pollFirst();
        }
        else
        {
            address = nextNewAddress;
            nextNewAddress += chunkSizeBytes;
        }
        outstanding.add(address);
        acquires++;
        return address;
    }

    @Override
    public void releaseChunk(final long baseAddress)
    {
        if (!outstanding.remove(baseAddress))
        {
            throw new AssertionError("released chunk 0x" + Long.toHexString(baseAddress) + " that is not outstanding");
        }
        released.add(baseAddress);
        releases++;
    }

    @Override
    public long mappingOf(final long chunkBaseAddress)
    {
        final long mappingBytes = mappingSizeBytesOf(chunkBaseAddress);
        return FIRST_BASE_ADDRESS + (chunkBaseAddress - FIRST_BASE_ADDRESS) / mappingBytes * mappingBytes;
    }

    @Override
    public long mappingSizeBytesOf(final long chunkBaseAddress)
    {
        return (long)chunksPerMapping * chunkSizeBytes;
    }

    int outstandingChunks()
    {
        return outstanding.size();
    }

    /** Whether [address, address + sizeBytes) lies inside one outstanding chunk. */
    boolean holds(final long address, final long sizeBytes)
    {
        final Long base = outstanding.floor(address);
        return base != null && address + sizeBytes <= base + chunkSizeBytes;
    }
}
