package io.numaslab.numa;

/**
 * Linux memory policy modes ({@code MPOL_*} in {@code <linux/mempolicy.h>}) for {@code mbind} and
 * {@code set_mempolicy}.
 */
public enum MemoryPolicy
{
    /** Use the process default: allocate on the node of the CPU that faults the page. */
    DEFAULT(0),
    /** Prefer the given node; take memory from other nodes when it has none. Never fails for lack of memory on it. */
    PREFERRED(1),
    /** Only the given nodes; allocation fails (or hugetlb faults SIGBUS) when they are full. */
    BIND(2),
    /** Spread pages round-robin over the given nodes. */
    INTERLEAVE(3),
    /** Allocate on the node of the CPU that faults the page (Linux 3.8+). */
    LOCAL(4),
    /** Prefer any of the given nodes, then the others (Linux 5.15+). */
    PREFERRED_MANY(5),
    /** Spread pages over the given nodes in proportion to their configured weights (Linux 6.9+). */
    WEIGHTED_INTERLEAVE(6);

    private final int mode;

    MemoryPolicy(final int mode)
    {
        this.mode = mode;
    }

    /** @return the kernel's {@code MPOL_*} value. */
    public int mode()
    {
        return mode;
    }

    /**
     * @param mode a kernel {@code MPOL_*} value, possibly with mode flags in its high bits.
     * @return the policy.
     * @throws IllegalArgumentException for a mode this enum does not know.
     */
    public static MemoryPolicy ofMode(final int mode)
    {
        final int base = mode & 0xff;
        for (final MemoryPolicy p : values())
        {
            if (p.mode == base)
            {
                return p;
            }
        }
        throw new IllegalArgumentException("unknown memory policy mode " + mode);
    }
}
