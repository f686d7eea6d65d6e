package io.numaslab.hugepages;

/**
 * How a {@link Region} is backed, from largest page to smallest. A region that cannot get its preferred
 * kind falls back along this order: 1 GiB hugetlb, 2 MiB hugetlb, transparent huge pages, 4 KiB pages.
 */
public enum PageKind
{
    /** Explicit 1 GiB pages from the kernel's hugetlb pool ({@code MAP_HUGETLB | MAP_HUGE_1GB}). */
    HUGETLB_1G(1L << 30, true),
    /** Explicit 2 MiB pages from the kernel's hugetlb pool ({@code MAP_HUGETLB | MAP_HUGE_2MB}). */
    HUGETLB_2M(2L << 20, true),
    /**
     * Ordinary memory advised with {@code MADV_HUGEPAGE}: the kernel backs it with 2 MiB pages when it can
     * find them and with 4 KiB pages otherwise. Aligned to 2 MiB so that it can.
     */
    THP(2L << 20, false),
    /** Ordinary 4 KiB pages, advised with {@code MADV_NOHUGEPAGE} so the kernel keeps them small. */
    SMALL(4096, false);

    private final long pageSizeBytes;
    private final boolean hugetlb;

    PageKind(final long pageSizeBytes, final boolean hugetlb)
    {
        this.pageSizeBytes = pageSizeBytes;
        this.hugetlb = hugetlb;
    }

    /** @return the unit a region of this kind is sized and aligned in (2 MiB for THP). */
    public long pageSizeBytes()
    {
        return pageSizeBytes;
    }

    /** @return true for explicit huge pages from the hugetlb pool. */
    public boolean isHugetlb()
    {
        return hugetlb;
    }

    /** @return the next kind to try when this one cannot be had, or null after SMALL. */
    public PageKind fallback()
    {
        final int next = ordinal() + 1;
        return next < values().length ? values()[next] : null;
    }
}
