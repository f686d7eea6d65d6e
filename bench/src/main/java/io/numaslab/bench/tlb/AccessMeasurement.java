package io.numaslab.bench.tlb;

import io.numaslab.hugepages.PageKind;

/**
 * One measured figure, of numaslab's region or of the C reference: ns per access of one pattern over one
 * working set in memory of one page kind, or why that page kind could not be had.
 *
 * @param kind              the page kind asked for (fallback off, so it is the kind measured).
 * @param sizeBytes         the working set in bytes.
 * @param pattern           the access pattern.
 * @param nanosPerAccess    best-pass ns per access; NaN when not available.
 * @param mappedBytes       bytes mapped: the working set rounded up to whole pages (1 GiB for a 64 MiB
 *                          working set of 1 GiB pages); 0 when not available.
 * @param hugePageBytes     bytes of the mapping in huge pages by {@code /proc/self/smaps} (AnonHugePages +
 *                          Hugetlb); shows how much of a THP region the kernel really made huge.
 * @param unavailableReason why the kind could not be mapped, or null when measured.
 */
public record AccessMeasurement(
    PageKind kind, long sizeBytes, AccessPattern pattern, double nanosPerAccess, long mappedBytes,
    long hugePageBytes, String unavailableReason)
{
    /**
     * @param kind           the page kind.
     * @param sizeBytes      the working set.
     * @param pattern        the pattern.
     * @param nanosPerAccess best-pass ns per access.
     * @param mappedBytes    bytes mapped.
     * @param hugePageBytes  bytes in huge pages.
     * @return a measured figure.
     */
    public static AccessMeasurement measured(
        final PageKind kind, final long sizeBytes, final AccessPattern pattern, final double nanosPerAccess,
        final long mappedBytes, final long hugePageBytes)
    {
        return new AccessMeasurement(kind, sizeBytes, pattern, nanosPerAccess, mappedBytes, hugePageBytes, null);
    }

    /**
     * @param kind      the page kind.
     * @param sizeBytes the working set.
     * @param pattern   the pattern.
     * @param reason    why it could not be measured.
     * @return a figure that is not available.
     */
    public static AccessMeasurement unavailable(
        final PageKind kind, final long sizeBytes, final AccessPattern pattern, final String reason)
    {
        return new AccessMeasurement(kind, sizeBytes, pattern, Double.NaN, 0, 0, reason);
    }

    /** @return true when measured, false when the page kind could not be had. */
    public boolean isAvailable()
    {
        return unavailableReason == null;
    }
}
