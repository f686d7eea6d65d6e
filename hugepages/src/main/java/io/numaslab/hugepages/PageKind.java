package io.numaslab.hugepages;

/**
 * How a {@link Region} is backed, from largest page to smallest. A region that cannot get its preferred
 * kind falls back along this order: 1 GiB hugetlb, 2 MiB hugetlb, transparent huge pages, the OS's base pages.
 */
public enum PageKind
{
    /** Explicit 1 GiB pages from the kernel's hugetlb pool ({@code MAP_HUGETLB | MAP_HUGE_1GB}). */
    HUGETLB_1G(1L << 30, true),
    /** Explicit 2 MiB pages from the kernel's hugetlb pool ({@code MAP_HUGETLB | MAP_HUGE_2MB}). */
    HUGETLB_2M(2L << 20, true),
    /**
     * Ordinary memory advised with {@code MADV_HUGEPAGE}: the kernel backs it with 2 MiB pages when it can
     * find them and with base pages otherwise. Aligned to 2 MiB so that it can.
     */
    THP(2L << 20, false),
    /**
     * The OS's base pages, advised with {@code MADV_NOHUGEPAGE} so the kernel keeps them small: 4 KiB on x86-64,
     * 16 KiB on Apple Silicon, 4, 16 or 64 KiB on aarch64 Linux ({@code getpagesize()}; 4 KiB where libc cannot
     * be bound, and nothing can be mapped there).
     */
    SMALL(Mmap.PAGE_BYTES, false);

    private final long pageSizeBytes;
    private final boolean hugetlb;

    PageKind(final long pageSizeBytes, final boolean hugetlb)
    {
        this.pageSizeBytes = pageSizeBytes;
        this.hugetlb = hugetlb;
    }

    /** @return the unit a region of this kind is sized and aligned in (2 MiB for THP, this OS's page for SMALL). */
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
