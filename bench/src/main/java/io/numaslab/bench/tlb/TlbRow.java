package io.numaslab.bench.tlb;

import io.numaslab.hugepages.PageKind;

/**
 * One line of the TLB report: numaslab's region and the C reference, for one page kind, working set and
 * pattern, with the ratios the report is read for.
 *
 * @param kind                the page kind.
 * @param sizeBytes           the working set in bytes.
 * @param pattern             the access pattern.
 * @param nsPerAccess         numaslab region: best-pass ns per access; NaN when not available.
 * @param vsSmallPages        numaslab region: {@code nsPerAccess} over that of SMALL pages for the same size and
 *                            pattern (below 1: faster than 4 KiB pages); NaN without both figures.
 * @param hugePageFraction    numaslab region: fraction of the mapping in huge pages by smaps; NaN if n/a.
 * @param unavailableReason   why numaslab's region of this kind could not be mapped, or null.
 * @param cNsPerAccess        C reference: best-pass ns per access; NaN when not available or not run.
 * @param cVsSmallPages       C reference: the same ratio against C's SMALL pages.
 * @param cHugePageFraction   C reference: fraction in huge pages.
 * @param cUnavailableReason  why the C figure is missing (kind not available to C, C not run), or null.
 * @param cLoopInRegionNsPerAccess C's own loop ({@link CLoops}) in numaslab's region: best-pass ns per access; NaN
 *                            when not run. Against {@code cNsPerAccess} it compares the two mappings with the same
 *                            machine code.
 */
public record TlbRow(
    PageKind kind, long sizeBytes, AccessPattern pattern,
    double nsPerAccess, double vsSmallPages, double hugePageFraction, String unavailableReason,
    double cNsPerAccess, double cVsSmallPages, double cHugePageFraction, String cUnavailableReason,
    double cLoopInRegionNsPerAccess)
{
    /** How close to C numaslab's figure must be: within 5% either way. */
    public static final double TARGET_TOLERANCE = 0.05;

    /** @return numaslab's ns per access over C's (1.00: the same; 1.10: numaslab 10% slower); NaN without both. */
    public double ratio()
    {
        return nsPerAccess / cNsPerAccess;
    }

    /** @return true when both figures exist, so {@link #meetsTarget()} means something. */
    public boolean isComparable()
    {
        return bothMeasured(nsPerAccess, cNsPerAccess);
    }

    /** @return true when comparable and numaslab is within {@link #TARGET_TOLERANCE} of C; false otherwise. */
    public boolean meetsTarget()
    {
        return isComparable() && withinTolerance(ratio());
    }

    /**
     * @return C's loop in numaslab's region over C's loop in C's mapping (1.00: the region costs nothing; 1.10: 10%
     *         slower); NaN without both.
     */
    public double regionRatio()
    {
        return cLoopInRegionNsPerAccess / cNsPerAccess;
    }

    /** @return true when both C figures exist, so {@link #regionMeetsTarget()} means something. */
    public boolean isRegionComparable()
    {
        return bothMeasured(cLoopInRegionNsPerAccess, cNsPerAccess);
    }

    /** @return true when C's loop in the region is within {@link #TARGET_TOLERANCE} of C's loop in C's mapping. */
    public boolean regionMeetsTarget()
    {
        return isRegionComparable() && withinTolerance(regionRatio());
    }

    private static boolean bothMeasured(final double nanos, final double cNanos)
    {
        return !Double.isNaN(nanos) && !Double.isNaN(cNanos) && cNanos > 0;
    }

    private static boolean withinTolerance(final double ratio)
    {
        return Math.abs(ratio - 1) <= TARGET_TOLERANCE;
    }
}
