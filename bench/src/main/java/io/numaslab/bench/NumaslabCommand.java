package io.numaslab.bench;

import io.numaslab.hugepages.PageKind;
import io.numaslab.hugepages.Region;
import io.numaslab.hugepages.RegionBacking;
import io.numaslab.hugepages.RegionMappingException;
import io.numaslab.numa.Errno;
import io.numaslab.numa.HugePagePool;
import io.numaslab.numa.Numa;
import io.numaslab.numa.NumaException;
import io.numaslab.numa.NumaMaps;
import io.numaslab.numa.NumaTopology;
import io.numaslab.slab.Chunk;
import io.numaslab.slab.SizeClasses;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;
import java.util.stream.Collectors;

/**
 * The {@code numaslab} command line: {@code numaslab [topology]} prints this machine's NUMA topology and
 * huge page pools, then maps a small region of each page kind on each node and reports how the kernel
 * really backs it (page size from smaps, node from move_pages and numa_maps) and why any kind fell back.
 */
public final class NumaslabCommand
{
    private static final long DEMO_REGION_BYTES = 8L << 20;
    /** The commands that take no options but {@code --help} (the others read their own). */
    private static final Set<String> TAKES_NO_OPTIONS = Set.of("topology", "size-classes", "help");
    private static final String TOPOLOGY_USAGE =
        "  topology       NUMA nodes, huge page pools, and one region of each page kind per node (default)";
    private static final String SIZE_CLASSES_USAGE =
        "  size-classes   the slab size classes: size, slab length, slots, worst-case waste";
    private static final String HELP_USAGE = "  help           this text";

    private NumaslabCommand()
    {
    }

    /**
     * Runs one command; exits 2 for a command or option it does not know, 1 when the command fails.
     *
     * @param args a command and its options: {@code topology} (the default), {@code size-classes}, {@code bench},
     *             {@code c1000k}, {@code tlb}, {@code locality} or {@code help} ({@code --help}, {@code -h}); after
     *             any command, {@code --help} or {@code -h} prints that command's usage.
     */
    public static void main(final String[] args)
    {
        final String command = args.length == 0 ? "topology" : args[0];
        final PrintStream out = System.out;
        if (args.length > 1 && TAKES_NO_OPTIONS.contains(command))
        {
            final int status = answerOptions(command, java.util.Arrays.copyOfRange(args, 1, args.length), out,
                System.err);
            if (status != 0)
            {
                System.exit(status);
            }
            return;
        }
        switch (command)
        {
            case "topology":
                printTopology(out);
                break;
            case "size-classes":
                out.println("Size classes for " + HugePagePool.describeSize(Chunk.DEFAULT_SIZE_BYTES) + " chunks:");
                out.println();
                out.print(SizeClasses.forChunkSize(Chunk.DEFAULT_SIZE_BYTES).toTable());
                break;
            case "bench":
                try
                {
                    BenchRunner.main(java.util.Arrays.copyOfRange(args, 1, args.length));
                }
                catch (final IllegalArgumentException ex)
                {
                    System.err.println("numaslab bench: " + ex.getMessage());
                    System.exit(2);
                }
                catch (final Exception ex)
                {
                    System.err.println("numaslab bench: " + ex.getMessage());
                    System.exit(1);
                }
                break;
            case "c1000k":
                try
                {
                    io.numaslab.bench.c1000k.ManyConnectionsRun.main(java.util.Arrays.copyOfRange(args, 1, args.length));
                }
                catch (final IllegalArgumentException ex)
                {
                    System.err.println("numaslab c1000k: " + ex.getMessage());
                    System.exit(2);
                }
                catch (final Exception ex)
                {
                    System.err.println("numaslab c1000k: " + ex);
                    ex.printStackTrace();
                    System.exit(1);
                }
                break;
            case "tlb":
                run(() -> io.numaslab.bench.tlb.TlbBench.main(java.util.Arrays.copyOfRange(args, 1, args.length)));
                break;
            case "locality":
                run(() -> io.numaslab.bench.locality.LocalityBench.main(java.util.Arrays.copyOfRange(args, 1, args.length)));
                break;
            case "help":
            case "--help":
            case "-h":
                printHelp(out);
                break;
            default:
                System.err.println("numaslab: unknown command '" + command + "'");
                printHelp(System.err);
                System.exit(2);
        }
    }

    private interface Job
    {
        void run() throws Exception;
    }

    private static void run(final Job job)
    {
        try
        {
            job.run();
        }
        catch (final Exception ex)
        {
            System.err.println("numaslab: " + ex);
            System.exit(1);
        }
    }

    /**
     * The options given to a command that takes none: {@code --help} or {@code -h} among them prints the command's
     * usage ({@code help}'s is the whole usage), anything else is refused with the whole usage.
     *
     * @param command {@code topology}, {@code size-classes} or {@code help}.
     * @param options what followed the command, at least one.
     * @param out     where the usage asked for goes.
     * @param err     where a refusal goes.
     * @return the exit status: 0 after printing the usage asked for, 2 after a refusal.
     */
    static int answerOptions(final String command, final String[] options, final PrintStream out,
        final PrintStream err)
    {
        if (List.of(options).contains("--help") || List.of(options).contains("-h"))
        {
            if (command.equals("help"))
            {
                printHelp(out);
            }
            else
            {
                out.println("usage: numaslab " + command);
                out.println(command.equals("topology") ? TOPOLOGY_USAGE : SIZE_CLASSES_USAGE);
            }
            return 0;
        }
        err.println("numaslab " + command + ": takes no options, got " + String.join(" ", options));
        printHelp(err);
        return 2;
    }

    private static void printHelp(final PrintStream out)
    {
        out.println("usage: numaslab [command]");
        out.println(TOPOLOGY_USAGE);
        out.println(SIZE_CLASSES_USAGE);
        out.println("  bench [--quick] [--only REGEX] [--results DIR]");
        out.println("                 the JMH suite side by side; tables, JSON and charts in bench/results/");
        out.println("                 bench --help says what each option does");
        out.println("  c1000k [--connections N] [--seconds S] [--allocators numaslab,pooled,adaptive]");
        out.println("         [--per-generator N] [--connect-seconds S] [--rate R] [--results DIR] [--name NAME]");
        out.println("                 many connections on loopback: a server JVM per allocator, client ends in load");
        out.println("                 generator JVMs; numaslab vs Netty's allocators; bench/results/c1000k.md");
        out.println("                 c1000k --help says what each option does and its default");
        out.println("  tlb [--quick] [options]");
        out.println("                 pointer chase and random reads per page kind and working set, against C;");
        out.println("                 tlb --help lists the options");
        out.println("  locality [--quick | --small] [options]");
        out.println("                 local vs remote node latency and bandwidth (every node pair);");
        out.println("                 locality --help lists the options");
        out.println(HELP_USAGE);
        out.println("  COMMAND --help prints that command's usage");
    }

    static void printTopology(final PrintStream out)
    {
        final NumaTopology topology = NumaTopology.read();
        out.println("numaslab: " + System.getProperty("os.name") + " " + System.getProperty("os.version") +
            ", Java " + Runtime.version() + ", " + Runtime.getRuntime().availableProcessors() + " CPUs");
        out.println();
        out.print(topology.describe());
        out.println("NUMA calls: " + (Numa.isSupported() ? "available" : "unavailable: " + Numa.unsupportedReason()));
        out.println("transparent huge pages: " + thpMode());
        out.println("MADV_POPULATE_WRITE: " + (Region.isPopulateWriteSupported() ?
            "yes (prefaulting reports exhaustion as an errno, never SIGBUS)" :
            "no (hugetlb regions are bound PREFERRED so a full node cannot SIGBUS)"));
        out.println("this thread: cpu " + Numa.currentCpu() + ", node " + Numa.currentNode());
        out.println();
        out.println("Regions of " + HugePagePool.describeSize(DEMO_REGION_BYTES) +
            " (rounded up to whole pages), one per page kind and node, as the kernel backs them:");
        out.println();
        out.println("| node | asked | got | kernel page size (smaps) | huge page bytes (smaps) | pages per node (move_pages) | pages per node (numa_maps) | why not as asked |");
        out.println("|---|---|---|---|---|---|---|---|");
        for (final int node : topology.memoryNodeIds())
        {
            for (final PageKind kind : PageKind.values())
            {
                out.println(regionRow(node, kind));
            }
        }
    }

    private static String regionRow(final int node, final PageKind kind)
    {
        try (Region region = Region.builder(DEMO_REGION_BYTES).node(node).pageKind(kind).map())
        {
            final RegionBacking backing = region.backing();
            String numaMaps;
            try
            {
                numaMaps = describeCounts(NumaMaps.pagesPerNode(region.address(), region.sizeBytes()));
            }
            catch (final IllegalStateException merged)
            {
                numaMaps = "merged with a neighbouring mapping";
            }
            return "| " + node + " | " + kind + " | " + region.pageKind() + " (" +
                HugePagePool.describeSize(region.sizeBytes()) + ") | " +
                (backing.kernelPageSizeBytes() > 0 ? HugePagePool.describeSize(backing.kernelPageSizeBytes()) : "n/a") +
                " | " + HugePagePool.describeSize(backing.hugePageBytes()) + " | " +
                describePagesPerNode(region::pagesPerNode) + " | " + numaMaps + " | " +
                (region.fallbackReasons().isEmpty() ? "" : String.join("; ", region.fallbackReasons())) + " |";
        }
        catch (final RegionMappingException | IllegalArgumentException | NumaException ex)
        {
            return "| " + node + " | " + kind + " | failed | | | | | " + ex.getMessage() + " |";
        }
    }

    /**
     * The move_pages column of a region's row: its pages per node, or why they cannot be known. A container without
     * CAP_SYS_NICE denies move_pages (EPERM); that makes the placement unknown, not the whole topology report fail.
     *
     * @param pagesPerNode the query, such as {@link Region#pagesPerNode()}.
     * @return e.g. {@code "N0=4"}, or {@code "unknown: move_pages denied (EPERM)"} when the query throws a
     *     {@link NumaException}.
     */
    static String describePagesPerNode(final Supplier<Map<Integer, Long>> pagesPerNode)
    {
        try
        {
            return describeCounts(pagesPerNode.get());
        }
        catch (final NumaException ex)
        {
            if (ex.errno() == 0)
            {
                return "unknown: " + ex.getMessage();
            }
            final int paren = ex.call().indexOf('(');
            final String call = paren > 0 ? ex.call().substring(0, paren) : ex.call();
            return "unknown: " + call + (ex.errno() == Errno.EPERM ? " denied (" : " failed (") + ex.errnoName() + ")";
        }
    }

    private static String describeCounts(final Map<Integer, Long> pagesPerNode)
    {
        if (pagesPerNode.isEmpty())
        {
            return "n/a";
        }
        return pagesPerNode.entrySet().stream()
            .map(e -> (e.getKey() >= 0 ? "N" + e.getKey() : "absent(" + e.getKey() + ")") + "=" + e.getValue())
            .collect(Collectors.joining(" "));
    }

    private static String thpMode()
    {
        final Path enabled = Path.of("/sys/kernel/mm/transparent_hugepage/enabled");
        try
        {
            return Files.isReadable(enabled) ? io.numaslab.numa.KernelFiles.read(enabled).trim() : "not available";
        }
        catch (final java.io.IOException ex)
        {
            return "unreadable (" + ex.getMessage() + ")";
        }
    }
}
