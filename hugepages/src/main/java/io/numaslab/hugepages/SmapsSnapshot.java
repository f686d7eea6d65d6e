package io.numaslab.hugepages;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * One reading of {@code /proc/self/smaps}, parsed once and kept by mapping, so that the backing of many ranges
 * costs one read of the file and one pass over it, then a binary search per range. From {@link Smaps#read()} or
 * {@link Smaps#parse(List)}. Immutable; it shows the mappings as they were when read.
 */
public final class SmapsSnapshot
{
    private static final SmapsSnapshot EMPTY = new SmapsSnapshot(new Mapping[0]);

    /** In address order (unsigned); the kernel's mappings never overlap, so their ends are in order too. */
    private final Mapping[] mappings;

    private SmapsSnapshot(final Mapping[] mappings)
    {
        this.mappings = mappings;
    }

    /** @return a snapshot with no mappings: every range's backing is all zero. */
    static SmapsSnapshot empty()
    {
        return EMPTY;
    }

    /**
     * Parses the lines of an smaps file: a header per mapping ({@code 7f3a00000000-7f3a00200000 rw-p ...}), then
     * its {@code Key: value kB} lines, of which KernelPageSize, Rss, AnonHugePages, Private_Hugetlb and
     * Shared_Hugetlb are kept. Lines before the first header are ignored.
     */
    static SmapsSnapshot parse(final List<String> lines)
    {
        final List<Mapping> parsed = new ArrayList<>();
        Mapping current = null;
        for (final String line : lines)
        {
            final int colon = line.indexOf(':');
            final int dash = line.indexOf('-');
            if (dash > 0 && (colon < 0 || dash < colon) && isHex(line, dash))
            {
                final int space = line.indexOf(' ');
                current = new Mapping(Long.parseUnsignedLong(line.substring(0, dash), 16),
                    Long.parseUnsignedLong(line.substring(dash + 1, space), 16));
                parsed.add(current);
                continue;
            }
            if (current == null || colon < 0)
            {
                continue;
            }
            switch (line.substring(0, colon))
            {
                case "KernelPageSize":
                    current.pageSize = Math.max(current.pageSize, kilobytes(line, colon));
                    break;
                case "Rss":
                    current.rss += kilobytes(line, colon);
                    break;
                case "AnonHugePages":
                    current.anonHuge += kilobytes(line, colon);
                    break;
                case "Private_Hugetlb":
                    current.privateHugetlb += kilobytes(line, colon);
                    break;
                case "Shared_Hugetlb":
                    current.sharedHugetlb += kilobytes(line, colon);
                    break;
                default:
                    break;
            }
        }
        final Mapping[] sorted = parsed.toArray(new Mapping[0]);
        Arrays.sort(sorted, Comparator.comparing((final Mapping m) -> m.start, Long::compareUnsigned));
        return new SmapsSnapshot(sorted);
    }

    /**
     * Sums the entries of the mappings that overlap {@code [address, address + lengthBytes)}. A mapping that reaches
     * past the range (the kernel merges neighbouring mappings of the same kind, so two regions mapped back to back
     * can share one) counts in proportion to its overlap with the range: exact for fully resident memory of one page
     * size, an estimate otherwise, and never the neighbour's whole figures.
     *
     * @param address     start of the range.
     * @param lengthBytes length of the range.
     * @return the summed backing, all zero where nothing is mapped; the page size is the largest seen.
     */
    public RegionBacking backingOf(final long address, final long lengthBytes)
    {
        final long end = address + lengthBytes;
        long pageSize = 0;
        long rss = 0;
        long anonHuge = 0;
        long hugetlb = 0;
        for (int i = firstEndingAfter(address); i < mappings.length; i++)
        {
            final Mapping mapping = mappings[i];
            if (Long.compareUnsigned(mapping.start, end) >= 0)
            {
                break;
            }
            final long overlap = Math.min(mapping.stop, end) - Math.max(mapping.start, address);
            final double share = overlap / (double)(mapping.stop - mapping.start);
            pageSize = Math.max(pageSize, mapping.pageSize);
            rss += Math.round(mapping.rss * share);
            anonHuge += Math.round(mapping.anonHuge * share);
            hugetlb += Math.round(mapping.privateHugetlb * share) + Math.round(mapping.sharedHugetlb * share);
        }
        return new RegionBacking(pageSize, rss, anonHuge, hugetlb);
    }

    /** @return the index of the first mapping that ends after the address, or the number of mappings. */
    private int firstEndingAfter(final long address)
    {
        int low = 0;
        int high = mappings.length;
        while (low < high)
        {
            final int mid = (low + high) >>> 1;
            if (Long.compareUnsigned(mappings[mid].stop, address) > 0)
            {
                high = mid;
            }
            else
            {
                low = mid + 1;
            }
        }
        return low;
    }

    private static boolean isHex(final String line, final int dash)
    {
        for (int i = 0; i < dash; i++)
        {
            if (Character.digit(line.charAt(i), 16) < 0)
            {
                return false;
            }
        }
        return true;
    }

    private static long kilobytes(final String line, final int colon)
    {
        final String value = line.substring(colon + 1).trim();
        final int space = value.indexOf(' ');
        return Long.parseLong(space < 0 ? value : value.substring(0, space)) * 1024;
    }

    /** One mapping's figures, in bytes. */
    private static final class Mapping
    {
        final long start;
        final long stop;
        long pageSize;
        long rss;
        long anonHuge;
        long privateHugetlb;
        long sharedHugetlb;

        Mapping(final long start, final long stop)
        {
            this.start = start;
            this.stop = stop;
        }
    }
}
