package io.numaslab.hugepages;

/**
 * How the kernel really backs a region, from the region's entries in {@code /proc/self/smaps}.
 *
 * @param kernelPageSizeBytes page size of the mapping ({@code KernelPageSize}): the OS's base page (4 KiB on
 *                            x86-64) for ordinary and THP memory, 2 MiB or 1 GiB for hugetlb.
 * @param rssBytes            resident bytes ({@code Rss}; hugetlb pages are not counted here by the kernel).
 * @param anonHugePagesBytes  bytes in transparent huge pages ({@code AnonHugePages}).
 * @param hugetlbBytes        bytes in hugetlb pages ({@code Private_Hugetlb} + {@code Shared_Hugetlb}).
 */
public record RegionBacking(long kernelPageSizeBytes, long rssBytes, long anonHugePagesBytes, long hugetlbBytes)
{
    /** @return bytes backed by huge pages of either kind. */
    public long hugePageBytes()
    {
        return anonHugePagesBytes + hugetlbBytes;
    }

    /** @return what this backing is, as a page kind: hugetlb by page size, THP if any AnonHugePages, else SMALL. */
    public PageKind observedKind()
    {
        if (hugetlbBytes > 0 || kernelPageSizeBytes >= (2L << 20))
        {
            return kernelPageSizeBytes >= (1L << 30) ? PageKind.HUGETLB_1G : PageKind.HUGETLB_2M;
        }
        return anonHugePagesBytes > 0 ? PageKind.THP : PageKind.SMALL;
    }
}
