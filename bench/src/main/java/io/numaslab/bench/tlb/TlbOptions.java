package io.numaslab.bench.tlb;

import io.numaslab.hugepages.PageKind;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * What {@link TlbBench} measures: working-set sizes, page kinds, patterns, the {@link MeasurementPlan},
 * and whether to run the C reference.
 *
 * @param sizesBytes working sets, powers of two from 1 MiB to 128 GiB, in order.
 * @param kinds      page kinds, in order (SMALL first: it is the baseline of the "vs 4 KiB" ratios).
 * @param patterns   access patterns, in order.
 * @param plan       accesses per pass, passes, seed.
 * @param cReference whether to build and run {@code bench/c/pointer_chase.c}.
 * @param cSource    the C source, or null to look for {@code bench/c/pointer_chase.c}.
 * @param node       the node to bind the memory to, or -1 for the node of the thread that runs.
 * @param cpu        the CPU the measuring thread (and the C program) is pinned to, or -1 for the last CPU
 *                   this process may use on the node (CPU 0 usually takes the interrupts).
 * @param json       whether {@link TlbBench#main} prints JSON instead of Markdown.
 */
public record TlbOptions(
    List<Long> sizesBytes, List<PageKind> kinds, List<AccessPattern> patterns, MeasurementPlan plan,
    boolean cReference, Path cSource, int node, int cpu, boolean json)
{
    /** The working sets of a full run: 64 MiB to 8 GiB in 4x steps, and 8 GiB. */
    public static final List<Long> FULL_SIZES = List.of(64L << 20, 256L << 20, 1L << 30, 4L << 30, 8L << 30);
    /** The working sets of {@code --quick}: 64 MiB, 256 MiB, 1 GiB. */
    public static final List<Long> QUICK_SIZES = List.of(64L << 20, 256L << 20, 1L << 30);
    /** Every page kind, the 4 KiB baseline first. */
    public static final List<PageKind> ALL_KINDS =
        List.of(PageKind.SMALL, PageKind.THP, PageKind.HUGETLB_2M, PageKind.HUGETLB_1G);

    /** The command-line help. */
    public static final String USAGE = String.join("\n",
        "usage: numaslab tlb [--quick] [--max-size SIZE] [--sizes 64M,256M,...] [--kinds SMALL,THP,HUGETLB_2M,HUGETLB_1G]",
        "                    [--patterns chase,chase-page,random] [--reps N] [--chase-accesses N] [--random-accesses N]",
        "                    [--seed N] [--node N] [--cpu N] [--no-c] [--c-source PATH] [--json]",
        "  --cpu N           the CPU both Java's measuring thread and the C program are pinned to (default: the",
        "                    node's last allowed CPU)",
        "  --quick           64 MiB, 256 MiB, 1 GiB; 1M chase / 8M random accesses x 5 passes (about 1.5 min)",
        "  default           64 MiB, 256 MiB, 1 GiB, 4 GiB, 8 GiB; 4M / 32M accesses x 7 passes",
        "  --max-size SIZE   drop working sets above SIZE (e.g. 1G)",
        "  --no-c            do not build and run the C reference (bench/c/pointer_chase.c)",
        "  --json            print the report as JSON instead of Markdown",
        "huge pages are not reserved by this program: as root, echo N > /proc/sys/vm/nr_hugepages (2 MiB) and",
        "echo N > /sys/kernel/mm/hugepages/hugepages-1048576kB/nr_hugepages (1 GiB) first");

    /**
     * @throws IllegalArgumentException for an empty list, or a size that is not a power of two from 1 MiB.
     */
    public TlbOptions
    {
        if (sizesBytes.isEmpty() || kinds.isEmpty() || patterns.isEmpty())
        {
            throw new IllegalArgumentException("sizes, kinds and patterns must not be empty");
        }
        for (final long size : sizesBytes)
        {
            if (size < (1L << 20) || Long.bitCount(size) != 1 || size / AccessPattern.LINE_BYTES > Integer.MAX_VALUE)
            {
                throw new IllegalArgumentException("working-set size " + size +
                    " is not a power of two from 1 MiB to 128 GiB (the random pattern and the cycle need that)");
            }
        }
        sizesBytes = List.copyOf(sizesBytes);
        kinds = List.copyOf(kinds);
        patterns = List.copyOf(patterns);
    }

    /** @return the full run: {@link #FULL_SIZES}, every kind and pattern, {@link MeasurementPlan#FULL}, with C. */
    public static TlbOptions full()
    {
        return new TlbOptions(FULL_SIZES, ALL_KINDS, List.of(AccessPattern.values()), MeasurementPlan.FULL, true,
            null, -1, -1, false);
    }

    /** @return the quick run: {@link #QUICK_SIZES}, every kind and pattern, {@link MeasurementPlan#QUICK}, with C. */
    public static TlbOptions quick()
    {
        return new TlbOptions(QUICK_SIZES, ALL_KINDS, List.of(AccessPattern.values()), MeasurementPlan.QUICK, true,
            null, -1, -1, false);
    }

    /**
     * @param args the command line (see {@link #USAGE}).
     * @return the options.
     * @throws IllegalArgumentException for an unknown option or a bad value, with the usage.
     */
    public static TlbOptions parse(final String... args)
    {
        boolean quick = false;
        long maxSize = Long.MAX_VALUE;
        List<Long> sizes = null;
        List<PageKind> kinds = ALL_KINDS;
        List<AccessPattern> patterns = List.of(AccessPattern.values());
        Integer reps = null;
        Integer chaseAccesses = null;
        Integer randomAccesses = null;
        long seed = MeasurementPlan.FULL.seed();
        boolean cReference = true;
        Path cSource = null;
        int node = -1;
        int cpu = -1;
        boolean json = false;
        for (int i = 0; i < args.length; i++)
        {
            final String arg = args[i];
            switch (arg)
            {
                case "--quick":
                    quick = true;
                    break;
                case "--no-c":
                    cReference = false;
                    break;
                case "--json":
                    json = true;
                    break;
                case "--max-size":
                    maxSize = ByteSizes.parse(value(args, ++i, arg));
                    break;
                case "--sizes":
                    sizes = new ArrayList<>();
                    for (final String s : value(args, ++i, arg).split(","))
                    {
                        sizes.add(ByteSizes.parse(s));
                    }
                    break;
                case "--kinds":
                    kinds = new ArrayList<>();
                    for (final String k : value(args, ++i, arg).split(","))
                    {
                        kinds.add(PageKind.valueOf(k.strip().toUpperCase(Locale.ROOT)));
                    }
                    break;
                case "--patterns":
                    patterns = new ArrayList<>();
                    for (final String p : value(args, ++i, arg).split(","))
                    {
                        patterns.add(AccessPattern.fromLabel(p.strip()));
                    }
                    break;
                case "--reps":
                    reps = OptionNumbers.wholeInt(arg, value(args, ++i, arg), USAGE);
                    break;
                case "--chase-accesses":
                    chaseAccesses = OptionNumbers.wholeInt(arg, value(args, ++i, arg), USAGE);
                    break;
                case "--random-accesses":
                    randomAccesses = OptionNumbers.wholeInt(arg, value(args, ++i, arg), USAGE);
                    break;
                case "--seed":
                    seed = OptionNumbers.wholeLong(arg, value(args, ++i, arg), USAGE);
                    break;
                case "--node":
                    node = OptionNumbers.wholeInt(arg, value(args, ++i, arg), USAGE);
                    break;
                case "--cpu":
                    cpu = OptionNumbers.wholeInt(arg, value(args, ++i, arg), USAGE);
                    break;
                case "--c-source":
                    cSource = Path.of(value(args, ++i, arg));
                    break;
                default:
                    throw new IllegalArgumentException("unknown option '" + arg + "'\n" + USAGE);
            }
        }
        final MeasurementPlan base = quick ? MeasurementPlan.QUICK : MeasurementPlan.FULL;
        final MeasurementPlan plan = new MeasurementPlan(
            chaseAccesses != null ? chaseAccesses : base.chaseAccesses(),
            randomAccesses != null ? randomAccesses : base.randomAccesses(),
            reps != null ? reps : base.reps(), seed);
        final List<Long> chosen = new ArrayList<>();
        for (final long size : sizes != null ? sizes : quick ? QUICK_SIZES : FULL_SIZES)
        {
            if (size <= maxSize)
            {
                chosen.add(size);
            }
        }
        if (chosen.isEmpty())
        {
            throw new IllegalArgumentException("no working-set size is at most --max-size " + maxSize);
        }
        return new TlbOptions(chosen, kinds, patterns, plan, cReference, cSource, node, cpu, json);
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
