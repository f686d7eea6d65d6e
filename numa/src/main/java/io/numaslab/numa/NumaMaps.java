package io.numaslab.numa;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.HashMap;
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
    /** Where the calling process's mappings and their end addresses are listed. */
    private static final Path MAPS = Paths.get("/proc/self/maps");
    /** Policies the kernel names in two words (mempolicy.c's policy_modes); every other name is one word. */
    private static final List<String> TWO_WORD_POLICIES = List.of("prefer (many)", "weighted interleave");

    private NumaMaps()
    {
    }

    /**
     * One mapping's line.
     *
     * @param startAddress        the mapping's start address.
     * @param policy              the policy as printed, e.g. {@code "bind:1"}, {@code "default"},
     *                            {@code "prefer (many):0-1"}.
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
            return parse(KernelFiles.readLines(SELF));
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("cannot read " + SELF, ex);
        }
    }

    /**
     * Pages present per node in the mappings inside {@code [address, address + lengthBytes)}.
     * <p>
     * numa_maps counts pages per mapping, and the kernel merges neighbouring mappings of the same kind and policy
     * into one. Where a mapping reaches both inside and outside the range, its counts cannot be split by address,
     * so this throws rather than count pages of the neighbours or leave the range's own out. Each mapping's end comes
     * from {@code /proc/self/maps}, read just after numa_maps. {@link Numa#nodesOfPages} answers per page instead.
     *
     * @param address     start of the range (e.g. a region's address).
     * @param lengthBytes length of the range.
     * @return node id to pages, in node order; empty if nothing is mapped there or there is no numa_maps.
     * @throws IllegalStateException if a mapping reaches both inside and outside the range.
     * @throws UncheckedIOException  if numa_maps exists but it or {@code /proc/self/maps} cannot be read.
     */
    public static Map<Integer, Long> pagesPerNode(final long address, final long lengthBytes)
    {
        final List<Entry> entries = readSelf();
        if (entries.isEmpty())
        {
            return new TreeMap<>();
        }
        try
        {
            return pagesPerNode(entries, mappingEnds(KernelFiles.readLines(MAPS)), address, lengthBytes);
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("cannot read " + MAPS, ex);
        }
    }

    /**
     * {@link #pagesPerNode(long, long)} over entries already read.
     *
     * @param endByStart each mapping's end address by its start address, from {@link #mappingEnds(List)}; a mapping
     *                   missing there (unmapped between the two reads) counts as ending just after its start.
     */
    static Map<Integer, Long> pagesPerNode(final List<Entry> entries, final Map<Long, Long> endByStart,
        final long address, final long lengthBytes)
    {
        final long end = address + lengthBytes;
        final Map<Integer, Long> total = new TreeMap<>();
        for (final Entry e : entries)
        {
            final long start = e.startAddress();
            final long mappingEnd = endByStart.getOrDefault(start, start + 1);
            if (Long.compareUnsigned(start, end) >= 0 || Long.compareUnsigned(mappingEnd, address) <= 0)
            {
                continue;
            }
            if (Long.compareUnsigned(start, address) < 0 || Long.compareUnsigned(mappingEnd, end) > 0)
            {
                throw new IllegalStateException("numa_maps cannot count the pages of [0x" + Long.toHexString(address) +
                    ", 0x" + Long.toHexString(end) + "): the mapping [0x" + Long.toHexString(start) + ", 0x" +
                    Long.toHexString(mappingEnd) + ") reaches outside it (the kernel merges neighbouring mappings " +
                    "of the same kind); Numa.nodesOfPages answers per page");
            }
            e.pagesPerNode().forEach((node, pages) -> total.merge(node, pages, Long::sum));
        }
        return total;
    }

    /**
     * Parses {@code /proc/self/maps} lines ({@code 7f1c40000000-7f1c40200000 rw-p ...}).
     *
     * @param lines the file's lines.
     * @return each mapping's end address by its start address.
     */
    static Map<Long, Long> mappingEnds(final List<String> lines)
    {
        final Map<Long, Long> ends = new HashMap<>();
        for (final String line : lines)
        {
            final int dash = line.indexOf('-');
            final int space = line.indexOf(' ');
            if (dash > 0 && space > dash)
            {
                ends.put(Long.parseUnsignedLong(line.substring(0, dash), 16),
                    Long.parseUnsignedLong(line.substring(dash + 1, space), 16));
            }
        }
        return ends;
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
            final String policy = policyOf(fields);
            final Map<Integer, Long> perNode = new TreeMap<>();
            long pageSize = 0;
            boolean huge = false;
            final int firstAfterPolicy = policy.equals(fields[1]) ? 2 : 3;
            for (int i = firstAfterPolicy; i < fields.length; i++)
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
            entries.add(new Entry(Long.parseUnsignedLong(fields[0], 16), policy, perNode, pageSize, huge));
        }
        return entries;
    }

    /**
     * @param fields a numa_maps line split at spaces: the address, then the policy.
     * @return the policy, which for "prefer (many)" and "weighted interleave" spans two fields, with its flags and
     *     nodes ({@code "weighted interleave=static:0-1"}).
     */
    private static String policyOf(final String[] fields)
    {
        if (fields.length > 2)
        {
            final String twoFields = fields[1] + ' ' + fields[2];
            for (final String name : TWO_WORD_POLICIES)
            {
                // the name, then nothing or its flags ('=') or nodes (':')
                if (twoFields.startsWith(name) && (twoFields.length() == name.length() ||
                    twoFields.charAt(name.length()) == '=' || twoFields.charAt(name.length()) == ':'))
                {
                    return twoFields;
                }
            }
        }
        return fields[1];
    }
}
