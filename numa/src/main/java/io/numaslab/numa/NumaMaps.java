package io.numaslab.numa;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The kernel's own account of where a process's pages live, from {@code /proc/self/numa_maps}: one line
 * per mapping with its policy and its page count per node ({@code N1=512}). Independent of numaslab's
 * bookkeeping and of {@code move_pages}, so tests use it to check placement.
 */
public final class NumaMaps
{
    /** Where the calling process's numa_maps live. */
    public static final Path SELF = Paths.get("/proc/self/numa_maps");

    private NumaMaps()
    {
    }

    /**
     * One mapping's line.
     *
     * @param startAddress        the mapping's start address.
     * @param policy              the policy as printed, e.g. {@code "bind:1"}, {@code "default"}.
     * @param pagesPerNode        pages present per node id.
     * @param kernelPageSizeBytes the mapping's page size ({@code kernelpagesize_kB}), 0 if not shown.
     * @param huge                true for a hugetlb mapping.
     */
    public record Entry(long startAddress, String policy, Map<Integer, Long> pagesPerNode,
        long kernelPageSizeBytes, boolean huge)
    {
        /** Copies the map so the record stays immutable. */
        public Entry
        {
            pagesPerNode = Map.copyOf(pagesPerNode);
        }
    }

    /**
     * Reads every mapping of this process.
     *
     * @return the entries in address order; empty where the file does not exist (not Linux, no NUMA).
     * @throws UncheckedIOException if the file exists but cannot be read.
     */
    public static List<Entry> readSelf()
    {
        if (!Files.isReadable(SELF))
        {
            return List.of();
        }
        try
        {
            return parse(Files.readAllLines(SELF));
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("cannot read " + SELF, ex);
        }
    }

    /**
     * Pages present per node in the mappings that start inside {@code [address, address + lengthBytes)}.
     *
     * @param address     start of the range (a mapping start, e.g. a region's address).
     * @param lengthBytes length of the range.
     * @return node id to pages, in node order; empty if nothing is mapped there or there is no numa_maps.
     */
    public static Map<Integer, Long> pagesPerNode(final long address, final long lengthBytes)
    {
        final Map<Integer, Long> total = new TreeMap<>();
        for (final Entry e : readSelf())
        {
            if (Long.compareUnsigned(e.startAddress(), address) >= 0 &&
                Long.compareUnsigned(e.startAddress(), address + lengthBytes) < 0)
            {
                e.pagesPerNode().forEach((node, pages) -> total.merge(node, pages, Long::sum));
            }
        }
        return total;
    }

    /**
     * Parses numa_maps lines.
     *
     * @param lines the file's lines.
     * @return the entries, in the lines' order.
     */
    public static List<Entry> parse(final List<String> lines)
    {
        final List<Entry> entries = new ArrayList<>(lines.size());
        for (final String line : lines)
        {
            final String[] fields = line.trim().split("\\s+");
            if (fields.length < 2)
            {
                continue;
            }
            final Map<Integer, Long> perNode = new TreeMap<>();
            long pageSize = 0;
            boolean huge = false;
            for (int i = 2; i < fields.length; i++)
            {
                final String f = fields[i];
                if (f.length() > 1 && f.charAt(0) == 'N' && Character.isDigit(f.charAt(1)) && f.indexOf('=') > 0)
                {
                    final int eq = f.indexOf('=');
                    perNode.put(Integer.parseInt(f.substring(1, eq)), Long.parseLong(f.substring(eq + 1)));
                }
                else if (f.startsWith("kernelpagesize_kB="))
                {
                    pageSize = Long.parseLong(f.substring("kernelpagesize_kB=".length())) * 1024;
                }
                else if (f.equals("huge"))
                {
                    huge = true;
                }
            }
            entries.add(new Entry(Long.parseUnsignedLong(fields[0], 16), fields[1], perNode, pageSize, huge));
        }
        return entries;
    }
}
