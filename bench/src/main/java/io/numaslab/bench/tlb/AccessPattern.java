package io.numaslab.bench.tlb;

/**
 * How a measurement walks its working set, and where its slots lie. The same layout is spelled out in
 * {@code bench/c/pointer_chase.c}.
 * <pre>
 *   CHASE       one 8-byte pointer per 64-byte line:        slot i at i * 64
 *   CHASE_PAGE  one 8-byte pointer per 4 KiB page:          slot i at i * 4096 + line(i) * 64,
 *               line(i) = the top 6 bits of i * 0x9E3779B97F4A7C15 (a Fibonacci hash), so the slots spread
 *               over the cache sets even where pages are physically contiguous (huge pages): with
 *               line(i) = i % 64 the line would follow the page number and a few hundred sets would hold
 *               every slot, turning TLB measurements into cache-conflict ones
 *   RANDOM      no pointers: independent loads of line (mcg >>> shift) * 64
 * </pre>
 * The chase patterns link their slots in one random cycle ({@link ChaseCycle}), so each load depends on
 * the one before and the time per access is the full latency (cache, TLB and page walk). RANDOM issues
 * loads that do not depend on each other, so the core overlaps them: its time per access is bounded by
 * how many misses (and page walks) can be in flight.
 */
public enum AccessPattern
{
    /** Dependent loads, one per 64-byte line of the working set. */
    CHASE("chase", true),
    /** Dependent loads, one per 4 KiB page: little cache footprint, one page per access. */
    CHASE_PAGE("chase-page", true),
    /** Independent loads of random lines, the index from a 64-bit MCG kept in registers. */
    RANDOM("random", false);

    /** Bytes in a cache line, the unit of CHASE and RANDOM. */
    public static final long LINE_BYTES = 64;
    /** Bytes in a small page, the unit of CHASE_PAGE. */
    public static final long SMALL_PAGE_BYTES = 4096;

    private final String label;
    private final boolean dependent;

    AccessPattern(final String label, final boolean dependent)
    {
        this.label = label;
        this.dependent = dependent;
    }

    /** @return the name used on the command line, in reports and in the C reference's output. */
    public String label()
    {
        return label;
    }

    /** @return true for the pointer chases, whose every load waits for the previous one. */
    public boolean isDependent()
    {
        return dependent;
    }

    /**
     * @param sizeBytes the working set in bytes.
     * @return the number of slots (pointers for the chases, lines for RANDOM) in it.
     */
    public long slotCount(final long sizeBytes)
    {
        return this == CHASE_PAGE ? sizeBytes / SMALL_PAGE_BYTES : sizeBytes / LINE_BYTES;
    }

    /**
     * @param slot a slot number below {@link #slotCount(long)}.
     * @return its offset in bytes from the start of the working set.
     */
    public long slotOffsetBytes(final long slot)
    {
        return this == CHASE_PAGE ? slot * SMALL_PAGE_BYTES + lineInPage(slot) * LINE_BYTES : slot * LINE_BYTES;
    }

    /**
     * @param slot a CHASE_PAGE slot.
     * @return which of the page's 64 lines holds its pointer: the top 6 bits of {@code slot * 0x9E3779B97F4A7C15}.
     */
    public static long lineInPage(final long slot)
    {
        return (slot * 0x9E3779B97F4A7C15L) >>> 58;
    }

    /**
     * @param label a label as printed by {@link #label()}, or an enum name.
     * @return the pattern.
     * @throws IllegalArgumentException for an unknown label, listing the known ones.
     */
    public static AccessPattern fromLabel(final String label)
    {
        for (final AccessPattern pattern : values())
        {
            if (pattern.label.equals(label) || pattern.name().equalsIgnoreCase(label))
            {
                return pattern;
            }
        }
        throw new IllegalArgumentException("unknown access pattern '" + label + "'; known: chase, chase-page, random");
    }
}
