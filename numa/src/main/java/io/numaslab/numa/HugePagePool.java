package io.numaslab.numa;

/**
 * One node's pool of explicit (hugetlb) huge pages of one size, as read from
 * {@code /sys/devices/system/node/nodeN/hugepages/hugepages-<size>kB/}.
 * A snapshot: the kernel's counts change as processes map and unmap huge pages.
 *
 * @param pageSizeBytes size of each page, e.g. 2 MiB or 1 GiB.
 * @param totalPages    pages reserved in the pool ({@code nr_hugepages}).
 * @param freePages     pages not in use by any process ({@code free_hugepages}).
 * @param surplusPages  pages allocated beyond the reserved count ({@code surplus_hugepages}).
 */
public record HugePagePool(long pageSizeBytes, long totalPages, long freePages, long surplusPages)
{
    /** Size of a 2 MiB huge page in bytes. */
    public static final long SIZE_2M = 2L << 20;
    /** Size of a 1 GiB huge page in bytes. */
    public static final long SIZE_1G = 1L << 30;

    /**
     * A human-readable page size: "2 MiB", "1 GiB", "64 KiB".
     *
     * @param bytes a power-of-two page size.
     * @return the size with a binary unit.
     */
    public static String describeSize(final long bytes)
    {
        if (bytes >= (1L << 30) && bytes % (1L << 30) == 0)
        {
            return (bytes >> 30) + " GiB";
        }
        if (bytes >= (1L << 20) && bytes % (1L << 20) == 0)
        {
            return (bytes >> 20) + " MiB";
        }
        if (bytes >= 1024 && bytes % 1024 == 0)
        {
            return (bytes >> 10) + " KiB";
        }
        return bytes + " B";
    }
}
