package io.numaslab.bench.locality;

import io.numaslab.bench.tlb.ByteSizes;
import io.numaslab.bench.tlb.OptionNumbers;
import io.numaslab.hugepages.PageKind;

import java.util.Locale;

/**
 * What {@link LocalityBench} measures for each (CPU node, memory node) pair.
 *
 * @param sizeBytes         the working set per pair: a region of this size bound to the memory node, chased
 *                          for latency and read through for bandwidth. Should be well above the last-level
 *                          cache for the figures to be memory's.
 * @param pageKind          the page kind to ask for (the same for every pair).
 * @param fallback          whether a smaller kind may be used when the asked one cannot be had (reported).
 * @param chaseAccesses     dependent loads per timed latency pass.
 * @param reps              timed passes of latency and of bandwidth (after one untimed pass each).
 * @param bandwidthThreads  threads reading at once, each pinned to a CPU of the CPU node; 0 for one per
 *                          allowed CPU of the node.
 * @param measureSingleNode whether to measure node 0 → node 0 on a one-node machine instead of reporting
 *                          "nothing to compare" (to check the harness there).
 * @param json              whether {@link LocalityBench#main} prints JSON instead of Markdown.
 */
public record LocalityOptions(
    long sizeBytes, PageKind pageKind, boolean fallback, int chaseAccesses, int reps, int bandwidthThreads,
    boolean measureSingleNode, boolean json)
{
    /** The command-line help. */
    public static final String USAGE = String.join("\n",
        "usage: numaslab locality [--quick | --small] [--size SIZE] [--page-kind SMALL|THP|HUGETLB_2M|HUGETLB_1G]",
        "                          [--no-fallback] [--chase-accesses N] [--reps N] [--bandwidth-threads N|all]",
        "                          [--measure-single-node] [--json]",
        "  default     1 GiB per pair, THP, 4M chase accesses x 5 passes, 1 bandwidth thread",
        "  --quick     256 MiB per pair, 1M chase accesses x 3 passes",
        "  --small     16 MiB per pair, 200K chase accesses x 3 passes: for the NUMA VM, where timings mean nothing",
        "              and placement is what is checked");

    /**
     * @throws IllegalArgumentException for a size below 1 MiB or not a multiple of 1 MiB, or bad counts.
     */
    public LocalityOptions
    {
        if (sizeBytes < (1L << 20) || (sizeBytes & ((1L << 20) - 1)) != 0)
        {
            throw new IllegalArgumentException("size must be a whole number of MiB, at least 1 MiB, got " + sizeBytes);
        }
        if (chaseAccesses <= 0 || reps < 1 || reps > 64 || bandwidthThreads < 0)
        {
            throw new IllegalArgumentException("chase accesses must be positive, reps 1..64, bandwidth threads >= 0");
        }
    }

    /** @return the default run: 1 GiB per pair, THP with fallback, 4M accesses x 5 passes, 1 thread. */
    public static LocalityOptions defaults()
    {
        return new LocalityOptions(1L << 30, PageKind.THP, true, 4_000_000, 5, 1, false, false);
    }

    /** @return the quick run: 256 MiB per pair, 1M accesses x 3 passes. */
    public static LocalityOptions quick()
    {
        return new LocalityOptions(256L << 20, PageKind.THP, true, 1_000_000, 3, 1, false, false);
    }

    /** @return the small run for the NUMA VM: 16 MiB per pair, 200K accesses x 3 passes. */
    public static LocalityOptions small()
    {
        return new LocalityOptions(16L << 20, PageKind.THP, true, 200_000, 3, 1, false, false);
    }

    /**
     * @param args the command line (see {@link #USAGE}).
     * @return the options.
     * @throws IllegalArgumentException for an unknown option or a bad value, with the usage.
     */
    public static LocalityOptions parse(final String... args)
    {
        LocalityOptions base = defaults();
        for (final String arg : args)
        {
            if (arg.equals("--quick"))
            {
                base = quick();
            }
            else if (arg.equals("--small"))
            {
                base = small();
            }
        }
        long size = base.sizeBytes;
        PageKind kind = base.pageKind;
        boolean fallback = base.fallback;
        int accesses = base.chaseAccesses;
        int reps = base.reps;
        int threads = base.bandwidthThreads;
        boolean single = false;
        boolean json = false;
        for (int i = 0; i < args.length; i++)
        {
            final String arg = args[i];
            switch (arg)
            {
                case "--quick":
                case "--small":
                    break;
                case "--size":
                    size = ByteSizes.parse(value(args, ++i, arg));
                    break;
                case "--page-kind":
                    kind = PageKind.valueOf(value(args, ++i, arg).toUpperCase(Locale.ROOT));
                    break;
                case "--no-fallback":
                    fallback = false;
                    break;
                case "--chase-accesses":
                    accesses = OptionNumbers.wholeInt(arg, value(args, ++i, arg), USAGE);
                    break;
                case "--reps":
                    reps = OptionNumbers.wholeInt(arg, value(args, ++i, arg), USAGE);
                    break;
                case "--bandwidth-threads":
                    final String t = value(args, ++i, arg);
                    threads = t.equals("all") ? 0 : OptionNumbers.wholeInt(arg, t, USAGE);
                    break;
                case "--measure-single-node":
                    single = true;
                    break;
                case "--json":
                    json = true;
                    break;
                default:
                    throw new IllegalArgumentException("unknown option '" + arg + "'\n" + USAGE);
            }
        }
        return new LocalityOptions(size, kind, fallback, accesses, reps, threads, single, json);
    }

    private static String value(final String[] args, final int index, final String option)
    {
        if (index >= args.length)
        {
            throw new IllegalArgumentException(option + " needs a value\n" + USAGE);
        }
        return args[index];
    }
}
