package io.numaslab.hugepages;

import io.numaslab.numa.KernelFiles;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;

/**
 * Reads {@code /proc/self/smaps}: the kernel's per-mapping account of page size and residency. Used to
 * report how a {@link Region} is really backed, independently of what numaslab asked for.
 */
public final class Smaps
{
    /** The calling process's smaps. */
    public static final Path SELF = Paths.get("/proc/self/smaps");

    private Smaps()
    {
    }

    /**
     * Sums the smaps entries of the mappings that overlap {@code [address, address + lengthBytes)}.
     *
     * @param address     start of the range.
     * @param lengthBytes length of the range.
     * @return the backing; all zero where there is no smaps (not Linux) or nothing is mapped there.
     * @throws UncheckedIOException if the file exists but cannot be read.
     */
    public static RegionBacking backingOf(final long address, final long lengthBytes)
    {
        if (!Files.isReadable(SELF))
        {
            return new RegionBacking(0, 0, 0, 0);
        }
        try
        {
            return backingOf(KernelFiles.readLines(SELF), address, lengthBytes);
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("cannot read " + SELF, ex);
        }
    }

    /**
     * Sums the entries of smaps text for the mappings that overlap a range. A mapping that reaches past the range
     * (the kernel merges neighbouring mappings of the same kind, so two regions mapped back to back can share one)
     * counts in proportion to its overlap with the range: exact for fully resident memory of one page size, an
     * estimate otherwise, and never the neighbour's whole figures.
     *
     * @param lines       the lines of an smaps file.
     * @param address     start of the range.
     * @param lengthBytes length of the range.
     * @return the summed backing; the page size is the largest seen.
     */
    public static RegionBacking backingOf(final List<String> lines, final long address, final long lengthBytes)
    {
        final long end = address + lengthBytes;
        boolean inRange = false;
        double share = 0;
        long pageSize = 0;
        long rss = 0;
        long anonHuge = 0;
        long hugetlb = 0;
        for (final String line : lines)
        {
            final int colon = line.indexOf(':');
            final int dash = line.indexOf('-');
            if (dash > 0 && (colon < 0 || dash < colon) && isHex(line, dash))
            {
                // a mapping header: "7f3a00000000-7f3a00200000 rw-p 00000000 00:00 0"
                final int space = line.indexOf(' ');
                final long start = Long.parseUnsignedLong(line.substring(0, dash), 16);
                final long stop = Long.parseUnsignedLong(line.substring(dash + 1, space), 16);
                inRange = Long.compareUnsigned(start, end) < 0 && Long.compareUnsigned(stop, address) > 0;
                if (inRange)
                {
                    final long overlap = Math.min(stop, end) - Math.max(start, address);
                    share = overlap / (double)(stop - start);
                }
                continue;
            }
            if (!inRange || colon < 0)
            {
                continue;
            }
            final String key = line.substring(0, colon);
            switch (key)
            {
                case "KernelPageSize":
                    pageSize = Math.max(pageSize, kilobytes(line, colon));
                    break;
                case "Rss":
                    rss += Math.round(kilobytes(line, colon) * share);
                    break;
                case "AnonHugePages":
                    anonHuge += Math.round(kilobytes(line, colon) * share);
                    break;
                case "Private_Hugetlb":
                case "Shared_Hugetlb":
                    hugetlb += Math.round(kilobytes(line, colon) * share);
                    break;
                default:
                    break;
            }
        }
        return new RegionBacking(pageSize, rss, anonHuge, hugetlb);
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
}
