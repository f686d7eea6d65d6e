package io.numaslab.allocator;

import io.numaslab.hugepages.PageKind;
import io.numaslab.hugepages.Region;
import io.numaslab.slab.ChunkSource;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import java.util.function.LongSupplier;

/**
 * Chunks for one node's arena, carved from {@link Region}s mapped on that node: each region is a whole number
 * of chunks, aligned to the chunk size, bound and prefaulted when mapped. Regions are one chunk each until the
 * arena has mapped the configured region size, then of that size. A region whose chunks have all come
 * back is unmapped, so its memory goes back to the OS (or its huge pages back to the pool).
 * <p>
 * The node's byte limit caps the bytes the node has mapped at once: these regions plus what it maps outside them
 * (allocations larger than a chunk, {@code otherMappedBytes}). When the next region would pass it, a smaller region
 * (down to one chunk) is tried, then {@link #acquireChunk()} returns 0 and {@link #lastFailure()} says why.
 * Thread-safe (synchronized): called on arena slow paths only, under the arena's lock.
 */
final class RegionChunkSource implements ChunkSource
{
    private final int node;
    private final PageKind pageKind;
    private final int chunkSizeBytes;
    private final long regionSizeBytes;
    private final long limitBytes;
    private final LongSupplier otherMappedBytes;
    private final RegionMapper regionMapper;

    private final TreeMap<Long, MappedRegion> regionsByAddress = new TreeMap<>();
    private final ArrayDeque<Long> freeChunks = new ArrayDeque<>();
    private long mappedBytes;
    private long regionsMapped;
    private long regionsUnmapped;
    private String lastFailure;
    private PageKind lastPageKind;
    private final List<String> fallbackReasons = new ArrayList<>();

    /** Maps one region for the source; tests substitute one to choose which regions fall back. */
    @FunctionalInterface
    interface RegionMapper
    {
        /**
         * @param sizeBytes a whole number of chunks.
         * @return the region, mapped on the source's node, aligned to the chunk size.
         */
        Region map(long sizeBytes);
    }

    RegionChunkSource(
        final int node, final PageKind pageKind, final int chunkSizeBytes, final long regionSizeBytes,
        final long limitBytes, final LongSupplier otherMappedBytes)
    {
        this(node, pageKind, chunkSizeBytes, regionSizeBytes, limitBytes, otherMappedBytes,
            size -> Region.builder(size).node(node).pageKind(pageKind).alignmentBytes(chunkSizeBytes).map());
    }

    RegionChunkSource(
        final int node, final PageKind pageKind, final int chunkSizeBytes, final long regionSizeBytes,
        final long limitBytes, final LongSupplier otherMappedBytes, final RegionMapper regionMapper)
    {
        if (regionSizeBytes % chunkSizeBytes != 0)
        {
            throw new IllegalArgumentException("region size " + regionSizeBytes + " is not a multiple of the chunk size " +
                chunkSizeBytes);
        }
        this.node = node;
        this.pageKind = pageKind;
        this.chunkSizeBytes = chunkSizeBytes;
        this.regionSizeBytes = regionSizeBytes;
        this.limitBytes = limitBytes;
        this.otherMappedBytes = otherMappedBytes;
        this.regionMapper = regionMapper;
    }

    @Override
    public int chunkSizeBytes()
    {
        return chunkSizeBytes;
    }

    @Override
    public synchronized long acquireChunk()
    {
        if (freeChunks.isEmpty() && !mapRegion())
        {
            return 0;
        }
        final long base = freeChunks.pollFirst();
        regionsByAddress.floorEntry(base).getValue().chunksInUse++;
        return base;
    }

    @Override
    public synchronized void releaseChunk(final long baseAddress)
    {
        final var entry = regionsByAddress.floorEntry(baseAddress);
        if (entry == null || baseAddress >= entry.getKey() + entry.getValue().region.sizeBytes() ||
            (baseAddress - entry.getKey()) % chunkSizeBytes != 0)
        {
            throw new IllegalArgumentException("0x" + Long.toHexString(baseAddress) + " is not a chunk of node " + node);
        }
        final MappedRegion mapped = entry.getValue();
        mapped.chunksInUse--;
        if (mapped.chunksInUse > 0)
        {
            freeChunks.addFirst(baseAddress);
            return;
        }
        // The whole region is free: give it back, and forget its other free chunks.
        final long start = entry.getKey();
        final long end = start + mapped.region.sizeBytes();
        freeChunks.removeIf(chunk -> chunk >= start && chunk < end);
        regionsByAddress.remove(start);
        mappedBytes -= mapped.region.sizeBytes();
        mapped.region.close();
        regionsUnmapped++;
    }

    /** @return the base address of the region that holds the chunk. */
    @Override
    public synchronized long mappingOf(final long chunkBaseAddress)
    {
        final Long start = regionsByAddress.floorKey(chunkBaseAddress);
        return start != null ? start : chunkBaseAddress;
    }

    /** @return the size of the region that holds the chunk. */
    @Override
    public synchronized long mappingSizeBytesOf(final long chunkBaseAddress)
    {
        final var entry = regionsByAddress.floorEntry(chunkBaseAddress);
        return entry != null ? entry.getValue().region.sizeBytes() : chunkSizeBytes;
    }

    private boolean mapRegion()
    {
        // Regions of one chunk until the arena has mapped a region's worth, then whole regions: a small arena holds
        // at most one chunk beyond what it uses, and a large one maps in few calls.
        final long grown = mappedBytes < regionSizeBytes ? chunkSizeBytes : regionSizeBytes;
        final long nodeMappedBytes = mappedBytes + otherMappedBytes.getAsLong();
        long size = Math.min(grown, (limitBytes - nodeMappedBytes) / chunkSizeBytes * chunkSizeBytes);
        if (size < chunkSizeBytes)
        {
            lastFailure = limitReached(nodeMappedBytes);
            return false;
        }
        final Region region;
        try
        {
            region = regionMapper.map(size);
        }
        catch (final RuntimeException ex)
        {
            // RegionMappingException, or say a node outside the process's cpuset, or /sys unreadable: a failure to
            // map like any other, so that the arena reports it, falls back if configured, and its counts stay right.
            lastFailure = NumaAllocator.describeMappingFailure(ex);
            return false;
        }
        if (nodeMappedBytes + region.sizeBytes() > limitBytes)
        {
            // Rounded up to whole pages (a 1 GiB page for a 2 MiB request) past the limit: not kept.
            region.close();
            lastFailure = limitReached(nodeMappedBytes);
            return false;
        }
        lastFailure = null;
        size = region.sizeBytes() / chunkSizeBytes * chunkSizeBytes;
        regionsByAddress.put(region.address(), new MappedRegion(region));
        for (long chunk = region.address(); chunk < region.address() + size; chunk += chunkSizeBytes)
        {
            freeChunks.addLast(chunk);
        }
        mappedBytes += region.sizeBytes();
        lastPageKind = region.pageKind();
        // The last region's reasons, none included: JMX says why the regions mapped now are not as configured, and
        // reasons of an older region would outlive the shortage that caused them.
        fallbackReasons.clear();
        fallbackReasons.addAll(region.fallbackReasons());
        regionsMapped++;
        return true;
    }

    private String limitReached(final long nodeMappedBytes)
    {
        return "limit reached: " + nodeMappedBytes + " of " + limitBytes + " bytes mapped on node " + node;
    }

    /**
     * Closes every region, used or not: the arena is closing.
     *
     * @param keepAddresses leave the ranges mapped to zero pages ({@link Region#closeKeepingAddresses()}), for memory
     *                      still handed out.
     */
    synchronized void closeAll(final boolean keepAddresses)
    {
        for (final MappedRegion mapped : regionsByAddress.values())
        {
            NumaAllocator.closeRegion(mapped.region, keepAddresses);
        }
        regionsByAddress.clear();
        freeChunks.clear();
        mappedBytes = 0;
    }

    synchronized long mappedBytes()
    {
        return mappedBytes;
    }

    /** @return bytes of mapped chunks not handed to the heap: the rest of a region, or chunks it gave back. */
    synchronized long freeChunkBytes()
    {
        return (long)freeChunks.size() * chunkSizeBytes;
    }

    /**
     * Lists the regions for a stats read, which tallies them outside this source's lock ({@link HugePageTally}):
     * {@link #acquireChunk} takes it, and must not wait for as long as the kernel takes to print a large smaps file.
     *
     * @return the regions mapped now (any may be unmapped after, once the lock is released).
     */
    synchronized List<Region> regions()
    {
        final List<Region> regions = new ArrayList<>();
        for (final MappedRegion mapped : regionsByAddress.values())
        {
            regions.add(mapped.region);
        }
        return regions;
    }

    synchronized long regionsMapped()
    {
        return regionsMapped;
    }

    synchronized long regionsUnmapped()
    {
        return regionsUnmapped;
    }

    synchronized String lastFailure()
    {
        return lastFailure;
    }

    synchronized PageKind lastPageKind()
    {
        return lastPageKind;
    }

    /** @return why the last region mapped is not of the configured page kind; empty if it is, or before any. */
    synchronized List<String> fallbackReasons()
    {
        return List.copyOf(fallbackReasons);
    }

    long limitBytes()
    {
        return limitBytes;
    }

    PageKind configuredPageKind()
    {
        return pageKind;
    }

    private static final class MappedRegion
    {
        final Region region;
        int chunksInUse;

        MappedRegion(final Region region)
        {
            this.region = region;
        }
    }
}
