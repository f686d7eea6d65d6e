package io.numaslab.bench.locality;

import io.numaslab.bench.tlb.AccessPattern;
import io.numaslab.bench.tlb.AccessTimer;
import io.numaslab.bench.tlb.ChaseCycle;
import io.numaslab.bench.tlb.MeasurementPlan;
import io.numaslab.hugepages.Region;
import io.numaslab.hugepages.RegionMappingException;
import io.numaslab.numa.CpuList;
import io.numaslab.numa.Numa;
import io.numaslab.numa.NumaNode;
import io.numaslab.numa.NumaTopology;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.BrokenBarrierException;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The NUMA locality measurement (issue 5, part 3): for every pair (A, B) of a node A with CPUs and a node
 * B with memory, threads pinned to CPUs of A ({@code Numa.pinCurrentThread}) read a {@link Region} bound to
 * B. Latency is a pointer chase over one random cycle through the region's 64-byte lines; bandwidth is a
 * sequential read (summing longs) of the whole region by {@code bandwidthThreads} threads at once. Every
 * region's placement is checked page by page ({@code Region.nodesOfPages()}, i.e. {@code move_pages}).
 * <p>
 * On one node there is nothing to compare: the report says "1 NUMA node: nothing to compare" and
 * {@link #main} exits 0. Inside the NUMA VM ({@code NUMA_VM=1}, an emulated CPU) it runs every pair with a
 * small working set ({@code --small}) and checks placement; the report says timings are not meaningful.
 * {@link #main} exits 1 if any region had pages off its node.
 */
public final class LocalityBench
{
    private LocalityBench()
    {
    }

    /**
     * Prints the report as Markdown (or JSON with {@code --json}); exits 1 when a region's placement was wrong.
     *
     * @param args see {@link LocalityOptions#USAGE}.
     */
    public static void main(final String[] args)
    {
        if (args.length > 0 && (args[0].equals("--help") || args[0].equals("-h")))
        {
            System.out.println(LocalityOptions.USAGE);
            return;
        }
        final LocalityOptions options;
        try
        {
            options = LocalityOptions.parse(args);
        }
        catch (final IllegalArgumentException ex)
        {
            System.err.println("numaslab locality: " + ex.getMessage());
            System.exit(2);
            return;
        }
        final LocalityReport report = run(options);
        System.out.print(options.json() ? report.toJson() : report.toMarkdown());
        if (!report.placementVerified())
        {
            System.exit(1);
        }
    }

    /**
     * @param options what to measure.
     * @return the report for this machine's topology.
     */
    public static LocalityReport run(final LocalityOptions options)
    {
        return run(options, NumaTopology.read());
    }

    /**
     * @param options  what to measure.
     * @param topology the topology to measure over (tests pass one read from a fake sysfs tree).
     * @return the report; no rows and "nothing to compare" when fewer than two nodes have usable memory
     *     (unless {@code measureSingleNode}).
     */
    public static LocalityReport run(final LocalityOptions options, final NumaTopology topology)
    {
        final long start = System.nanoTime();
        final List<NumaNode> memoryNodes = new ArrayList<>();
        final List<NumaNode> cpuNodes = new ArrayList<>();
        for (final NumaNode node : topology.nodes())
        {
            if (node.hasMemory() && node.isMemoryAllowed())
            {
                memoryNodes.add(node);
            }
            if (node.allowedCpus().length > 0)
            {
                cpuNodes.add(node);
            }
        }
        final List<String> topologyLines = describeTopology(topology);
        final boolean inVm = "1".equals(System.getenv("NUMA_VM"));
        final List<String> notes = new ArrayList<>();
        final String setup = String.format(Locale.ROOT,
            "%s per pair, %s pages asked%s; latency: pointer chase over one random cycle of 64-byte lines, " +
            "%,d accesses x %d timed passes, best pass; bandwidth: sequential read of the whole region by %s " +
            "thread(s) pinned on the CPU node, %d timed passes, best pass; clock: %s",
            LocalityReport.describeSize(options.sizeBytes()), options.pageKind(),
            options.fallback() ? " (fallback allowed)" : " (no fallback)", options.chaseAccesses(), options.reps(),
            options.bandwidthThreads() == 0 ? "all" : Integer.toString(options.bandwidthThreads()), options.reps(),
            AccessTimer.clockName());
        if (memoryNodes.size() < 2 && !options.measureSingleNode())
        {
            notes.add("locality is local vs remote memory; with " + memoryNodes.size() + " node(s) with memory " +
                "there is no remote memory (run inside ../shared/numa-vm with -n 2 and --small to check placement)");
            return new LocalityReport(memoryNodes.size(), topologyLines, setup, !inVm, List.of(), notes,
                (System.nanoTime() - start) / 1e9);
        }
        if (inVm)
        {
            notes.add("running inside the NUMA VM (NUMA_VM=1): the CPU is emulated (QEMU TCG, about 15x slower) " +
                "and every node's memory is the same host memory, so the timings are not meaningful there; " +
                "this run checks that every pair runs and that every page lands on its node");
        }
        AccessTimer.warmUpJit();
        SequentialReader.warmUpJit();
        final MeasurementPlan plan = new MeasurementPlan(options.chaseAccesses(), 1, options.reps(), 42);
        final int[] cycle = ChaseCycle.sattoloSuccessors((int)AccessPattern.CHASE.slotCount(options.sizeBytes()),
            plan.seed());
        final List<NodePairRow> rows = new ArrayList<>();
        for (final NumaNode cpuNode : cpuNodes)
        {
            for (final NumaNode memoryNode : memoryNodes)
            {
                rows.add(measurePair(cpuNode, memoryNode, options, plan, cycle, notes));
            }
        }
        final List<NodePairRow> withRatios = addRatios(rows);
        final boolean pinsHeld = withRatios.stream().allMatch(NodePairRow::pinnedOnCpuNode);
        if (!pinsHeld)
        {
            notes.add("some threads did not run on their CPU node after pinning (see 'pin did not hold'): " +
                "their figures do not show locality");
        }
        notes.add("vs local: the pair's figure over that of the same CPU node reading its own memory " +
            "(latency above 1.00 and bandwidth below 1.00: remote memory costs that much)");
        return new LocalityReport(memoryNodes.size(), topologyLines, setup, !inVm && pinsHeld, withRatios, notes,
            (System.nanoTime() - start) / 1e9);
    }

    private static NodePairRow measurePair(
        final NumaNode cpuNode, final NumaNode memoryNode, final LocalityOptions options, final MeasurementPlan plan,
        final int[] cycle, final List<String> notes)
    {
        final int[] allowed = cpuNode.allowedCpus();
        final int threads = options.bandwidthThreads() == 0 ? allowed.length :
            Math.min(options.bandwidthThreads(), allowed.length);
        final int[] cpus = Arrays.copyOf(allowed, threads);
        final AtomicReference<NodePairRow> result = new AtomicReference<>();
        final AtomicReference<Throwable> failure = new AtomicReference<>();
        final Thread worker = new Thread(() ->
        {
            try
            {
                result.set(measurePairPinned(cpuNode, memoryNode, cpus, options, plan, cycle, notes));
            }
            catch (final Throwable ex)
            {
                failure.set(ex);
            }
        }, "locality-" + cpuNode.id() + "-" + memoryNode.id());
        worker.start();
        joinUninterruptibly(worker);
        if (failure.get() != null)
        {
            throw new IllegalStateException("measuring CPU node " + cpuNode.id() + " -> memory node " +
                memoryNode.id() + " failed: " + failure.get(), failure.get());
        }
        return result.get();
    }

    /** Runs on a thread of its own, pinned to the first CPU of the CPU node. */
    private static NodePairRow measurePairPinned(
        final NumaNode cpuNode, final NumaNode memoryNode, final int[] cpus, final LocalityOptions options,
        final MeasurementPlan plan, final int[] cycle, final List<String> notes)
    {
        Numa.pinCurrentThread(cpus[0]);
        final boolean pinned = Numa.currentNode() == cpuNode.id();
        final Region region;
        try
        {
            region = Region.builder(options.sizeBytes()).node(memoryNode.id()).pageKind(options.pageKind())
                .fallback(options.fallback()).map();
        }
        catch (final RegionMappingException ex)
        {
            throw new IllegalStateException("no region on node " + memoryNode.id() + ": " + ex.getMessage(), ex);
        }
        try
        {
            if (!region.fallbackReasons().isEmpty())
            {
                synchronized (notes)
                {
                    notes.add("node " + memoryNode.id() + ": " + region.pageKind() + " instead of " +
                        options.pageKind() + ": " + String.join("; ", region.fallbackReasons()));
                }
            }
            final long startAddress = ChaseCycle.writePointers(region.address(), AccessPattern.CHASE, cycle);
            final double latency = AccessTimer.timeChase(startAddress, plan);
            final double bandwidth = bandwidthBytesPerSecond(region.address(), options.sizeBytes(), cpus, options.reps());
            long onNode = 0;
            final int[] nodes = region.nodesOfPages();
            for (final int n : nodes)
            {
                onNode += n == memoryNode.id() ? 1 : 0;
            }
            final List<Integer> cpusUsed = new ArrayList<>();
            Arrays.stream(cpus).forEach(cpusUsed::add);
            return new NodePairRow(cpuNode.id(), memoryNode.id(), cpuNode.distanceTo(memoryNode.id()), cpusUsed,
                pinned, region.pageKind(), region.fallbackReasons(), options.sizeBytes(), latency, Double.NaN,
                bandwidth, Double.NaN, onNode, nodes.length);
        }
        finally
        {
            region.close();
        }
    }

    /**
     * Reads the region with one thread per CPU, each pinned and reading its own slice, all starting together;
     * a pass takes as long as its slowest thread (each by its own CPU time).
     */
    private static double bandwidthBytesPerSecond(final long address, final long sizeBytes, final int[] cpus,
        final int reps)
    {
        final int threads = cpus.length;
        final long sliceBytes = (sizeBytes / threads) & -AccessPattern.SMALL_PAGE_BYTES;
        final long[][] nanos = new long[threads][reps];
        final CyclicBarrier barrier = new CyclicBarrier(threads);
        final AtomicReference<Throwable> failure = new AtomicReference<>();
        final AtomicLong checksum = new AtomicLong();
        final Thread[] readers = new Thread[threads];
        for (int t = 0; t < threads; t++)
        {
            final int index = t;
            final long sliceStart = address + index * sliceBytes;
            final long length = index == threads - 1 ? sizeBytes - index * sliceBytes : sliceBytes;
            readers[t] = new Thread(() ->
            {
                try
                {
                    Numa.pinCurrentThread(cpus[index]);
                    long sink = 0;
                    for (int pass = -1; pass < reps; pass++)
                    {
                        barrier.await();
                        final long begin = AccessTimer.nowNanos();
                        sink += SequentialReader.sum(sliceStart, length);
                        if (pass >= 0)
                        {
                            nanos[index][pass] = AccessTimer.nowNanos() - begin;
                        }
                    }
                    checksum.addAndGet(sink);
                }
                catch (final InterruptedException | BrokenBarrierException ex)
                {
                    failure.set(ex);
                }
            }, "locality-reader-" + cpus[index]);
            readers[t].start();
        }
        for (final Thread reader : readers)
        {
            joinUninterruptibly(reader);
        }
        if (failure.get() != null)
        {
            throw new IllegalStateException("a bandwidth reader failed: " + failure.get(), failure.get());
        }
        final double[] bytesPerSecond = new double[reps];
        for (int pass = 0; pass < reps; pass++)
        {
            long slowest = 1;
            for (int t = 0; t < threads; t++)
            {
                slowest = Math.max(slowest, nanos[t][pass]);
            }
            bytesPerSecond[pass] = sizeBytes * 1e9 / slowest;
        }
        return Arrays.stream(bytesPerSecond).max().orElseThrow();
    }

    private static List<NodePairRow> addRatios(final List<NodePairRow> rows)
    {
        final List<NodePairRow> out = new ArrayList<>();
        for (final NodePairRow row : rows)
        {
            final NodePairRow local = rows.stream()
                .filter(r -> r.cpuNode() == row.cpuNode() && r.isLocal()).findFirst().orElse(null);
            out.add(local == null ? row : row.withRatios(row.latencyNsPerAccess() / local.latencyNsPerAccess(),
                row.bandwidthBytesPerSecond() / local.bandwidthBytesPerSecond()));
        }
        return out;
    }

    private static List<String> describeTopology(final NumaTopology topology)
    {
        final List<String> lines = new ArrayList<>();
        lines.add(topology.nodeCount() + " NUMA node(s)" + (topology.isSingleNodeFallback() ?
            " (no /sys/devices/system/node: assumed)" : ""));
        for (final NumaNode node : topology.nodes())
        {
            lines.add("node " + node.id() + ": CPUs " + CpuList.format(node.cpus()) + " (allowed " +
                CpuList.format(node.allowedCpus()) + "), " + (node.memTotalBytes() >> 20) + " MiB memory, distances " +
                node.distances());
        }
        return lines;
    }

    private static void joinUninterruptibly(final Thread thread)
    {
        boolean interrupted = false;
        while (true)
        {
            try
            {
                thread.join();
                break;
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
    }
}
