package io.numaslab.allocator;

import io.numaslab.hugepages.PageKind;
import io.numaslab.hugepages.Region;
import io.numaslab.hugepages.SmapsSnapshot;

import java.util.List;
import java.util.function.Supplier;

/**
 * Counts, for one stats read, the bytes of regions backed by huge pages: all of a hugetlb region, what
 * {@code /proc/self/smaps} shows as AnonHugePages of a THP one, none of a SMALL one. Hugetlb and SMALL regions need
 * no smaps; the first THP region reads it, and the rest of the read shares that snapshot, so a node with hundreds of
 * regions costs one read of the file, not hundreds. Not thread-safe: one per read.
 */
final class HugePageTally
{
    private final Supplier<SmapsSnapshot> readSmaps;
    private SmapsSnapshot smaps;

    /** @param readSmaps reads smaps ({@code Smaps::read}); called once at most. */
    HugePageTally(final Supplier<SmapsSnapshot> readSmaps)
    {
        this.readSmaps = readSmaps;
    }

    /**
     * @param regions all listed before this tally first reads smaps: a region still open once the snapshot is taken
     *                was mapped when it was taken only if it was mapped before (one listed after could have been
     *                mapped after it, at the address of one unmapped before, whose huge pages the snapshot shows).
     * @return the bytes of those regions backed by huge pages; none of one closed since it was listed.
     */
    long bytesOfListed(final List<Region> regions)
    {
        long bytes = 0;
        for (final Region region : regions)
        {
            try
            {
                bytes += bytesOf(region);
            }
            catch (final IllegalStateException ex)
            {
                if (!region.isClosed())
                {
                    throw ex; // not the region's (the read of smaps failed): not to be taken for none of it backed
                }
                // closed since it was listed: no longer mapped, so none of it is backed
            }
        }
        return bytes;
    }

    /**
     * @return the bytes of the region backed by huge pages (smaps read now if not yet, so not for hot paths).
     * @throws IllegalStateException if a THP region is closed.
     */
    long bytesOf(final Region region)
    {
        if (region.pageKind().isHugetlb())
        {
            return region.isClosed() ? 0 : region.sizeBytes(); // whole huge pages while mapped, none after
        }
        if (region.pageKind() != PageKind.THP)
        {
            return 0;
        }
        if (smaps == null && !region.isClosed()) // a region closed already costs no read
        {
            smaps = readSmaps.get();
        }
        // After the snapshot, not before: a region still open now was mapped when it was taken, so what it shows at
        // the address is the region's. Read before, the address could be of a region unmapped meanwhile, and the
        // snapshot show there the huge pages of a mapping that took its place.
        final long address = region.address();
        return smaps.backingOf(address, region.sizeBytes()).anonHugePagesBytes();
    }
}
