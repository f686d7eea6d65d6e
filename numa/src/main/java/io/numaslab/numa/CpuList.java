package io.numaslab.numa;

import java.util.Arrays;

/**
 * The kernel's list format for CPUs and nodes, as in {@code /sys/devices/system/node/online} or
 * {@code /sys/devices/system/node/node0/cpulist}: comma-separated ids and inclusive ranges,
 * e.g. {@code "0-3,8,10-11"}. An empty string is the empty list.
 */
public final class CpuList
{
    private CpuList()
    {
    }

    /**
     * Parses a list such as {@code "0-3,8"}.
     *
     * @param text the list; surrounding white space and a trailing newline are ignored.
     * @return the ids in increasing order, without duplicates.
     * @throws IllegalArgumentException if the text is not in the kernel's list format.
     */
    public static int[] parse(final String text)
    {
        final String trimmed = text.trim();
        if (trimmed.isEmpty())
        {
            return new int[0];
        }
        final java.util.BitSet ids = new java.util.BitSet();
        for (final String part : trimmed.split(","))
        {
            final String range = part.trim();
            try
            {
                final int dash = range.indexOf('-');
                if (dash < 0)
                {
                    ids.set(nonNegative(Integer.parseInt(range), text));
                }
                else
                {
                    final int from = nonNegative(Integer.parseInt(range.substring(0, dash)), text);
                    final int to = nonNegative(Integer.parseInt(range.substring(dash + 1)), text);
                    if (to < from)
                    {
                        throw new IllegalArgumentException("descending range '" + range + "' in list '" + text + "'");
                    }
                    if (to == Integer.MAX_VALUE)
                    {
                        throw new IllegalArgumentException("range '" + range + "' too large in list '" + text + "'");
                    }
                    ids.set(from, to + 1);
                }
            }
            catch (final NumberFormatException ex)
            {
                throw new IllegalArgumentException("not a CPU/node list: '" + text + "'", ex);
            }
        }
        return ids.stream().toArray();
    }

    /**
     * Formats ids in the kernel's list format, collapsing runs into ranges.
     *
     * @param ids ids in any order; duplicates are allowed.
     * @return e.g. {@code "0-3,8"}, or {@code ""} for no ids.
     */
    public static String format(final int[] ids)
    {
        final int[] sorted = Arrays.stream(ids).sorted().distinct().toArray();
        final StringBuilder out = new StringBuilder();
        int i = 0;
        while (i < sorted.length)
        {
            int j = i;
            while (j + 1 < sorted.length && sorted[j + 1] == sorted[j] + 1)
            {
                j++;
            }
            if (out.length() > 0)
            {
                out.append(',');
            }
            out.append(sorted[i]);
            if (j > i)
            {
                out.append('-').append(sorted[j]);
            }
            i = j + 1;
        }
        return out.toString();
    }

    private static int nonNegative(final int id, final String text)
    {
        if (id < 0)
        {
            throw new IllegalArgumentException("negative id in list '" + text + "'");
        }
        return id;
    }
}
