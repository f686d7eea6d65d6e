package io.numaslab.hugepages;

import java.util.List;

/**
 * A region could not be mapped with any page kind it was allowed to use. Carries, for each kind tried,
 * the reason it could not be had.
 */
public final class RegionMappingException extends RuntimeException
{
    private static final long serialVersionUID = 1L;

    private final transient List<String> reasons;

    /**
     * @param request what was asked, e.g. "4 MiB on node 1 with HUGETLB_2M".
     * @param reasons why each kind tried failed, in the order tried.
     */
    public RegionMappingException(final String request, final List<String> reasons)
    {
        super("cannot map " + request + ": " + String.join("; ", reasons));
        this.reasons = List.copyOf(reasons);
    }

    /** @return why each page kind tried failed, in the order tried. */
    public List<String> reasons()
    {
        return reasons;
    }
}
