package io.numaslab.bench.tlb;

import io.numaslab.hugepages.PageKind;
import io.numaslab.hugepages.Region;
import io.numaslab.hugepages.RegionMappingException;
import io.numaslab.numa.HugePagePool;
import io.numaslab.numa.Numa;
import io.numaslab.numa.NumaTopology;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The TLB and page-size measurement (issue 5, part 1 and 2): for each working set, page kind and pattern,
 * ns per access in a numaslab {@link Region} (fallback off, so a kind is measured or reported as not
 * available with the exception's reason), side by side with {@code bench/c/pointer_chase.c} over plain
 * {@code mmap} memory of the same kind, as ratios against 4 KiB pages and against C.
 * <p>
 * The measuring thread and the C program are pinned to the same CPU ({@code --cpu}, by default the node's
 * last allowed CPU): a thread that moves loses its caches and TLB, and on a virtual machine the new vCPU
 * may sit behind another last-level cache.
 * <p>
 * Order of work: for each size and kind, the Java region (closed when done), then the C program for the same
 * size and kind, so the two sides of a row run seconds apart and never hold huge pages at the same time.
 * The chase cycle is built once per size and pattern in Java ({@link ChaseCycle}) and written into each
 * region; the C program builds the identical cycle from the same seed each time it runs.
 * <p>
 * Hardware counters: where {@link PmuProbe} finds a PMU, {@link TlbJmhRunner} runs the JMH form of these
 * measurements with {@code -prof perfnorm}; without one the report says so and the TLB effect is what
 * the timings show.
 */
public final class TlbBench
{
    private static final long MEMORY_HEADROOM_BYTES = 512L << 20;
    private static final long HEAP_HEADROOM_BYTES = 64L << 20;

    private TlbBench()
    {
    }

    /**
     * Prints the report as Markdown (or JSON with {@code --json}).
     *
     * @param args see {@link TlbOptions#USAGE}; {@code --quick} for a run of about 1.5 min.
     */
    public static void main(final String[] args)
    {
        if (args.length > 0 && (args[0].equals("--help") || args[0].equals("-h")))
        {
            System.out.println(TlbOptions.USAGE);
            return;
        }
        final TlbOptions options;
        try
        {
            options = TlbOptions.parse(args);
        }
        catch (final IllegalArgumentException ex)
        {
            System.err.println("numaslab tlb: " + ex.getMessage());
            System.exit(2);
            return;
        }
        final TlbReport report = run(options);
        System.out.print(options.json() ? report.toJson() : report.toMarkdown());
    }

    /**
     * Measures every (size, kind, pattern) of the options in numaslab regions and, unless off or impossible,
     * in the C reference.
     *
     * @param options what to measure.
     * @return the report; page kinds and sizes that could not be had are rows or notes with the reason.
     */
    public static TlbReport run(final TlbOptions options)
    {
        final AtomicReference<TlbReport> report = new AtomicReference<>();
        final AtomicReference<Throwable> failure = new AtomicReference<>();
        final Thread worker = new Thread(() ->
        {
            try
            {
                report.set(runPinned(options));
            }
            catch (final RuntimeException | Error ex)
            {
                failure.set(ex);
            }
        }, "tlb-bench");
        worker.start();
        boolean interrupted = false;
        while (worker.isAlive())
        {
            try
            {
                worker.join();
            }
            catch (final InterruptedException ex)
            {
                interrupted = true;
            }
        }
        if (interrupted)
        {
            Thread.currentThread().interrupt();
        }
        if (failure.get() instanceof Error)
        {
            throw (Error)failure.get();
        }
        if (failure.get() != null)
        {
            throw (RuntimeException)failure.get();
        }
        return report.get();
    }

    /** The run itself, on a thread of its own pinned to one CPU, so that it keeps its caches and TLB. */
    private static TlbReport runPinned(final TlbOptions options)
    {
        final long start = System.nanoTime();
        final List<String> notes = new ArrayList<>();
        final int node = options.node() >= 0 ? options.node() : Numa.currentNode();
        // Before pinning: the JVM counts the CPUs the calling thread may use.
        final int cpuCount = Runtime.getRuntime().availableProcessors();
        final String machine = describeMachine(node);
        final int cpu = options.cpu() >= 0 ? options.cpu() : lastAllowedCpu(node);
        final boolean pinned = Numa.pinCurrentThread(cpu);
        if (!pinned)
        {
            notes.add("the measuring thread could not be pinned to CPU " + cpu + " (no sched_setaffinity here)");
        }
        final PmuStatus pmu = PmuProbe.probe();
        final CReference c = options.cReference() ? CReference.prepare(options.cSource()) : null;
        final String cMissing = c == null ? "C reference not run (--no-c)" : c.unavailableReason();
        final CLoops cLoops = cMissing == null ? loadCLoops(c, notes) : null;
        AccessTimer.warmUpJit();

        final List<AccessMeasurement> java = new ArrayList<>();
        final List<AccessMeasurement> cFigures = new ArrayList<>();
        final List<AccessMeasurement> cInRegions = new ArrayList<>();
        for (final long size : options.sizesBytes())
        {
            final String skip = sizeSkipReason(size, options.patterns());
            if (skip != null)
            {
                notes.add(HugePagePool.describeSize(size) + " skipped: " + skip);
                continue;
            }
            final Map<AccessPattern, int[]> cycles = new EnumMap<>(AccessPattern.class);
            for (final PageKind kind : options.kinds())
            {
                java.addAll(measureRegion(kind, size, node, options.patterns(), options.plan(), cycles, cLoops,
                    cInRegions));
                if (cMissing == null)
                {
                    try
                    {
                        cFigures.addAll(c.run(size, List.of(kind), options.patterns(), options.plan(), node,
                            pinned ? cpu : -1));
                    }
                    catch (final IllegalStateException | UncheckedIOException ex)
                    {
                        notes.add("C reference failed for " + kind + " at " + HugePagePool.describeSize(size) + ": " +
                            ex.getMessage());
                    }
                }
            }
            cycles.clear();
        }
        final List<TlbRow> rows = combine(options, java, cFigures, cMissing, cInRegions);
        addNotes(options, rows, cpuCount, notes);
        return new TlbReport(machine, options.plan(), node, pinned ? cpu : -1, pmu, cMissing, rows, notes,
            (System.nanoTime() - start) / 1e9);
    }

    /** @return C's loops to run in numaslab's regions, or null (with a note) when their library is missing. */
    private static CLoops loadCLoops(final CReference c, final List<String> notes)
    {
        if (c.library() == null)
        {
            notes.add(c.libraryUnavailableReason());
            return null;
        }
        try
        {
            return CLoops.load(c.library());
        }
        catch (final UnsatisfiedLinkError ex)
        {
            notes.add("C's loops in numaslab's regions skipped: " + c.library() + " did not load: " + ex.getMessage());
            return null;
        }
    }

    /**
     * Maps one region of the kind (fallback off) and times every pattern in it, with Java's loop and, when
     * {@code cLoops} is there, with C's loop right after.
     *
     * @param cInRegions where C's loop's figures in the region go.
     * @return one measurement per pattern; "not available" ones with the reason when the kind cannot be had.
     */
    private static List<AccessMeasurement> measureRegion(
        final PageKind kind, final long size, final int node, final List<AccessPattern> patterns,
        final MeasurementPlan plan, final Map<AccessPattern, int[]> cycles, final CLoops cLoops,
        final List<AccessMeasurement> cInRegions)
    {
        final List<AccessMeasurement> results = new ArrayList<>();
        final String memoryShort = kind.isHugetlb() ? null : memoryShortReason(size);
        if (memoryShort != null)
        {
            patterns.forEach(p -> results.add(AccessMeasurement.unavailable(kind, size, p, memoryShort)));
            return results;
        }
        try (Region region = Region.builder(size).node(node).pageKind(kind).fallback(false).map())
        {
            final long hugeBytes = region.backing().hugePageBytes();
            for (final AccessPattern pattern : patterns)
            {
                long startAddress = 0;
                if (pattern.isDependent())
                {
                    final int[] cycle = cycles.computeIfAbsent(pattern,
                        p -> ChaseCycle.sattoloSuccessors((int)p.slotCount(size), plan.seed()));
                    startAddress = ChaseCycle.writePointers(region.address(), pattern, cycle);
                }
                final double nanos = AccessTimer.nanosPerAccess(region.address(), size, pattern, startAddress, plan);
                results.add(AccessMeasurement.measured(kind, size, pattern, nanos, region.sizeBytes(), hugeBytes));
                if (cLoops != null)
                {
                    final double cNanos = cLoops.nanosPerAccess(pattern, region.address(), size, startAddress, plan);
                    cInRegions.add(AccessMeasurement.measured(kind, size, pattern, cNanos, region.sizeBytes(),
                        hugeBytes));
                }
            }
        }
        catch (final RegionMappingException ex)
        {
            final String reason = ex.reasons().isEmpty() ? ex.getMessage() : String.join("; ", ex.reasons());
            patterns.forEach(p -> results.add(AccessMeasurement.unavailable(kind, size, p, reason)));
        }
        catch (final IllegalArgumentException ex)
        {
            patterns.forEach(p -> results.add(AccessMeasurement.unavailable(kind, size, p, ex.getMessage())));
        }
        return results;
    }

    /** Joins the Java and C figures into rows, ordered by size, pattern, kind, with the ratios. */
    static List<TlbRow> combine(
        final TlbOptions options, final List<AccessMeasurement> java, final List<AccessMeasurement> c,
        final String cMissing, final List<AccessMeasurement> cInRegions)
    {
        final Map<String, AccessMeasurement> javaByKey = new HashMap<>();
        final Map<String, AccessMeasurement> cByKey = new HashMap<>();
        final Map<String, AccessMeasurement> cInRegionByKey = new HashMap<>();
        java.forEach(m -> javaByKey.put(key(m.kind(), m.sizeBytes(), m.pattern()), m));
        c.forEach(m -> cByKey.put(key(m.kind(), m.sizeBytes(), m.pattern()), m));
        cInRegions.forEach(m -> cInRegionByKey.put(key(m.kind(), m.sizeBytes(), m.pattern()), m));
        final List<TlbRow> rows = new ArrayList<>();
        for (final long size : options.sizesBytes())
        {
            for (final AccessPattern pattern : options.patterns())
            {
                final AccessMeasurement javaSmall = javaByKey.get(key(PageKind.SMALL, size, pattern));
                final AccessMeasurement cSmall = cByKey.get(key(PageKind.SMALL, size, pattern));
                for (final PageKind kind : options.kinds())
                {
                    final AccessMeasurement j = javaByKey.get(key(kind, size, pattern));
                    if (j == null)
                    {
                        continue;
                    }
                    final AccessMeasurement cm = cByKey.get(key(kind, size, pattern));
                    final String cReason = cm != null ? cm.unavailableReason() :
                        cMissing != null ? cMissing : "no C figure";
                    rows.add(new TlbRow(kind, size, pattern,
                        j.nanosPerAccess(), ratio(j, javaSmall), hugeFraction(j), j.unavailableReason(),
                        cm != null ? cm.nanosPerAccess() : Double.NaN, ratio(cm, cSmall), hugeFraction(cm), cReason,
                        nanosOf(cInRegionByKey.get(key(kind, size, pattern)))));
                }
            }
        }
        return rows;
    }

    private static void addNotes(
        final TlbOptions options, final List<TlbRow> rows, final int cpuCount, final List<String> notes)
    {
        notes.add("ns/access: best timed pass, per access, of one dependent load (chase, chase-page) or of one " +
            "independent load (random); 'vs 4 KiB' is the figure over SMALL pages' for the same size and pattern " +
            "(below 1.00: faster); 'numaslab / C' is the Region figure over C's (above 1.00: numaslab slower)");
        notes.add("chase: one pointer per 64-byte line in one random cycle (Sattolo); chase-page: one pointer per " +
            "4 KiB page (few lines, many pages: the TLB's share of the latency); random: independent loads of " +
            "random lines (an MCG in registers), overlapped by the core");
        if (options.kinds().contains(PageKind.HUGETLB_1G) && options.sizesBytes().stream().anyMatch(s -> s < (1L << 30)))
        {
            notes.add("HUGETLB_1G maps whole 1 GiB pages: a smaller working set is the start of one 1 GiB page, on both sides");
        }
        if (rows.stream().anyMatch(r -> r.kind() == PageKind.THP && r.hugePageFraction() < 0.99))
        {
            notes.add("THP rows below 100% huge pages: the kernel backed part of the region with 4 KiB pages " +
                "(fragmented memory, or khugepaged not done); the figure mixes both");
        }
        notes.add("Java and C run one after the other for each size and kind, not at once: other work on the " +
            "machine (" + cpuCount + " CPUs here) while they run can move a " +
            "figure by several percent, so a row just outside 5% of C may be noise; rerun that size to confirm");
        if (options.patterns().contains(AccessPattern.CHASE_PAGE))
        {
            final long llcBytes = lastLevelCacheBytes();
            notes.add("chase-page touches one line per page, so its lines take a 64th of the working set (1 MiB at " +
                "64 MiB, 16 MiB at 1 GiB)" + (llcBytes > 0 ? "; the last-level cache here is " +
                HugePagePool.describeSize(llcBytes) + ", and where the lines take a sizeable share of it the " +
                "figure flips between cache hits and memory from run to run, with whatever else uses that cache " +
                "(on a VM, other guests too): compare such rows across runs, not within one" : ""));
        }
        if (isVirtualMachine())
        {
            notes.add("this is a virtual machine (the 'hypervisor' CPU flag): a TLB miss walks the guest's page " +
                "tables and then the host's, and how the host backs the guest-physical memory a run happens to " +
                "receive (2 MiB or 4 KiB host pages, invisible from inside) changes the figures, SMALL pages' most, " +
                "from run to run and between Java and C; a single row far from C is more likely that than the " +
                "region, so rerun it");
        }
        notes.add("random: its figure is set by how many loads the core keeps in flight, which depends on the " +
            "loop's machine code as much as on the memory (C2's code against gcc -O2's, from the same source), so " +
            "'numaslab / C' there is partly the JIT's; chase figures wait on one load at a time and compare the " +
            "memory itself");
        if (rows.stream().anyMatch(TlbRow::isRegionComparable))
        {
            notes.add("'C in region': C's own loop, called through JNA on numaslab's region right after Java's, so " +
                "'region / C' compares numaslab's region with C's mapping under the same machine code: the region " +
                "against the hardware's limit, without the JIT");
        }
    }

    private static int lastAllowedCpu(final int node)
    {
        final NumaTopology topology = NumaTopology.read();
        final int[] cpus = topology.hasNode(node) && topology.node(node).allowedCpus().length > 0 ?
            topology.node(node).allowedCpus() : Numa.currentThreadCpus();
        return cpus[cpus.length - 1];
    }

    /** @return the size of CPU 0's highest-level cache from sysfs, or -1 if unknown. */
    private static long lastLevelCacheBytes()
    {
        long bytes = -1;
        int level = -1;
        for (int index = 0; index < 8; index++)
        {
            final Path dir = Path.of("/sys/devices/system/cpu/cpu0/cache/index" + index);
            try
            {
                if (!Files.isDirectory(dir))
                {
                    continue;
                }
                final int l = Integer.parseInt(Files.readString(dir.resolve("level")).strip());
                final long size = ByteSizes.parse(Files.readString(dir.resolve("size")).strip());
                if (l > level)
                {
                    level = l;
                    bytes = size;
                }
            }
            catch (final IOException | IllegalArgumentException ex)
            {
                return bytes;
            }
        }
        return bytes;
    }

    private static boolean isVirtualMachine()
    {
        try
        {
            return Files.readAllLines(Path.of("/proc/cpuinfo")).stream()
                .anyMatch(l -> l.startsWith("flags") && l.contains(" hypervisor"));
        }
        catch (final IOException ex)
        {
            return false;
        }
    }

    private static String key(final PageKind kind, final long size, final AccessPattern pattern)
    {
        return kind + "/" + size + "/" + pattern;
    }

    private static double ratio(final AccessMeasurement figure, final AccessMeasurement small)
    {
        if (figure == null || small == null || !figure.isAvailable() || !small.isAvailable())
        {
            return Double.NaN;
        }
        return figure.nanosPerAccess() / small.nanosPerAccess();
    }

    private static double nanosOf(final AccessMeasurement figure)
    {
        return figure == null || !figure.isAvailable() ? Double.NaN : figure.nanosPerAccess();
    }

    private static double hugeFraction(final AccessMeasurement figure)
    {
        if (figure == null || !figure.isAvailable() || figure.mappedBytes() <= 0)
        {
            return Double.NaN;
        }
        return Math.min(1.0, figure.hugePageBytes() / (double)figure.mappedBytes());
    }

    /** @return why a size cannot be measured at all here (the chase cycle does not fit the heap), or null. */
    private static String sizeSkipReason(final long size, final List<AccessPattern> patterns)
    {
        long cycleBytes = 0;
        for (final AccessPattern pattern : patterns)
        {
            cycleBytes += pattern.isDependent() ? 4 * pattern.slotCount(size) : 0;
        }
        final Runtime runtime = Runtime.getRuntime();
        final long heapFree = runtime.maxMemory() - (runtime.totalMemory() - runtime.freeMemory());
        if (cycleBytes + HEAP_HEADROOM_BYTES > heapFree)
        {
            return "its chase cycles need " + HugePagePool.describeSize(cycleBytes) + " of Java heap, " +
                (heapFree >> 20) + " MiB free (-Xmx" + (runtime.maxMemory() >> 20) + "m); raise -Xmx";
        }
        return null;
    }

    /** @return why ordinary memory of this size cannot be had now (MemAvailable too low), or null. */
    private static String memoryShortReason(final long size)
    {
        final long available = memAvailableBytes();
        if (available > 0 && size + MEMORY_HEADROOM_BYTES > available)
        {
            return "needs " + HugePagePool.describeSize(size) + " + 512 MiB headroom of memory, MemAvailable is " +
                (available >> 20) + " MiB (/proc/meminfo)";
        }
        return null;
    }

    private static long memAvailableBytes()
    {
        try
        {
            for (final String line : Files.readAllLines(Path.of("/proc/meminfo")))
            {
                if (line.startsWith("MemAvailable:"))
                {
                    return Long.parseLong(line.replaceAll("\\D", "")) * 1024;
                }
            }
        }
        catch (final IOException | NumberFormatException ex)
        {
            return -1;
        }
        return -1;
    }

    private static String describeMachine(final int node)
    {
        String cpu = "unknown CPU";
        try
        {
            final Optional<String> model = Files.readAllLines(Path.of("/proc/cpuinfo")).stream()
                .filter(l -> l.startsWith("model name")).findFirst();
            if (model.isPresent())
            {
                cpu = model.get().substring(model.get().indexOf(':') + 1).strip();
            }
        }
        catch (final IOException ex)
        {
            cpu = "CPU unknown (" + ex.getMessage() + ")";
        }
        String thp = "n/a";
        try
        {
            final Path enabled = Path.of("/sys/kernel/mm/transparent_hugepage/enabled");
            thp = Files.isReadable(enabled) ? Files.readString(enabled).strip() : "not available";
        }
        catch (final IOException ex)
        {
            thp = "unreadable";
        }
        final StringBuilder pools = new StringBuilder();
        for (final long pageSize : new long[] {HugePagePool.SIZE_2M, HugePagePool.SIZE_1G})
        {
            final Optional<HugePagePool> pool = NumaTopology.readHugePagePool(node, pageSize);
            pools.append(", ").append(HugePagePool.describeSize(pageSize)).append(" pages on node ").append(node)
                .append(": ").append(pool.map(p -> p.freePages() + " free of " + p.totalPages()).orElse("none"));
        }
        return cpu + ", " + Runtime.getRuntime().availableProcessors() + " CPUs, " + System.getProperty("os.name") +
            " " + System.getProperty("os.version") + ", Java " + Runtime.version() + ", THP " + thp + pools;
    }
}
