package io.numaslab.numa;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * The machine's NUMA nodes as the kernel describes them under {@code /sys/devices/system/node}:
 * each node's CPUs, memory, distances and huge page pools, restricted to what this process may use
 * (its CPU affinity mask and cpuset, from {@code /proc/self/status}).
 * <p>
 * Node ids may be sparse ({@code "0,2"}); a node may have no CPUs or no memory. Where there is no
 * {@code /sys/devices/system/node} (not Linux, or a kernel without NUMA), the topology is one node 0
 * with every CPU, and {@link #isSingleNodeFallback()} says so.
 * <p>
 * An instance is an immutable snapshot: free memory and free huge pages change; call {@link #read()}
 * again for fresh counts.
 */
public final class NumaTopology
{
    /** Where Linux describes NUMA nodes. */
    public static final Path SYSFS_NODE_ROOT = Paths.get("/sys/devices/system/node");
    /** Where Linux describes the machine-wide huge page pools. */
    public static final Path SYSFS_HUGEPAGES_ROOT = Paths.get("/sys/kernel/mm/hugepages");

    private static final System.Logger LOG = System.getLogger(NumaTopology.class.getName());
    private static final Pattern NODE_DIR = Pattern.compile("node(\\d+)");
    private static final Pattern HUGEPAGES_DIR = Pattern.compile("hugepages-(\\d+)kB");
    private static final Pattern MEMINFO_LINE = Pattern.compile("Node\\s+\\d+\\s+(\\w+):\\s+(\\d+)\\s*kB");
    private static volatile boolean fallbackLogged;

    private final List<NumaNode> nodes;
    private final Map<Integer, NumaNode> nodesById;
    private final int[] nodeOfCpu;
    private final boolean singleNodeFallback;

    private NumaTopology(final List<NumaNode> nodes, final boolean singleNodeFallback)
    {
        this.nodes = List.copyOf(nodes);
        this.singleNodeFallback = singleNodeFallback;
        final Map<Integer, NumaNode> byId = new HashMap<>();
        int maxCpu = -1;
        for (final NumaNode node : nodes)
        {
            byId.put(node.id(), node);
            for (final int cpu : node.cpus())
            {
                maxCpu = Math.max(maxCpu, cpu);
            }
        }
        this.nodesById = Map.copyOf(byId);
        this.nodeOfCpu = new int[maxCpu + 1];
        Arrays.fill(nodeOfCpu, -1);
        for (final NumaNode node : nodes)
        {
            for (final int cpu : node.cpus())
            {
                nodeOfCpu[cpu] = node.id();
            }
        }
    }

    /**
     * Reads this machine's topology, restricted to this process's allowed CPUs and memory nodes.
     *
     * @return a fresh snapshot; one node 0 with every CPU where the kernel describes no nodes.
     * @throws UncheckedIOException if sysfs exists but cannot be read.
     */
    public static NumaTopology read()
    {
        final ProcessMasks masks = ProcessMasks.readSelf();
        return read(SYSFS_NODE_ROOT, masks.allowedCpus, masks.allowedMemNodes);
    }

    /**
     * Reads a topology from a sysfs tree, which tests may build by hand.
     *
     * @param nodeRoot        a directory laid out like {@code /sys/devices/system/node}.
     * @param allowedCpus     CPUs this process may run on, or null for all.
     * @param allowedMemNodes nodes this process may allocate memory on, or null for all.
     * @return the topology; a single node 0 with every CPU if {@code nodeRoot} does not exist or lists no node: those
     *     of {@code cpu/online} beside {@code nodeRoot} and the allowed ones.
     * @throws UncheckedIOException if the tree exists but cannot be read.
     */
    public static NumaTopology read(final Path nodeRoot, final int[] allowedCpus, final int[] allowedMemNodes)
    {
        if (!Files.isDirectory(nodeRoot))
        {
            return singleNodeFallback(nodeRoot, allowedCpus);
        }
        try
        {
            final int[] nodeIds = onlineNodeIds(nodeRoot);
            if (nodeIds.length == 0)
            {
                return singleNodeFallback(nodeRoot, allowedCpus);
            }
            final BitSet cpuMask = allowedCpus == null ? null : toBitSet(allowedCpus);
            final BitSet memMask = allowedMemNodes == null ? null : toBitSet(allowedMemNodes);
            final List<NumaNode> nodes = new ArrayList<>(nodeIds.length);
            for (final int id : nodeIds)
            {
                nodes.add(readNode(nodeRoot, id, nodeIds, cpuMask, memMask));
            }
            return new NumaTopology(nodes, false);
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("cannot read NUMA topology under " + nodeRoot + ": " + ex.getMessage(), ex);
        }
    }

    /** @return the nodes, by ascending id. */
    public List<NumaNode> nodes()
    {
        return nodes;
    }

    /** @return the node ids, ascending (possibly sparse). */
    public int[] nodeIds()
    {
        return nodes.stream().mapToInt(NumaNode::id).toArray();
    }

    /** @return how many nodes there are. */
    public int nodeCount()
    {
        return nodes.size();
    }

    /**
     * @param nodeId a node id.
     * @return true if the machine has a node of that id.
     */
    public boolean hasNode(final int nodeId)
    {
        return nodesById.containsKey(nodeId);
    }

    /**
     * @param nodeId a node id.
     * @return the node.
     * @throws IllegalArgumentException naming the nodes that exist, if there is no such node.
     */
    public NumaNode node(final int nodeId)
    {
        final NumaNode node = nodesById.get(nodeId);
        if (node == null)
        {
            throw new IllegalArgumentException(
                "node " + nodeId + " does not exist; this machine has node(s) " + CpuList.format(nodeIds()));
        }
        return node;
    }

    /**
     * @param cpu a CPU id.
     * @return the node the CPU belongs to, or -1 if the CPU is unknown.
     */
    public int nodeOfCpu(final int cpu)
    {
        return cpu >= 0 && cpu < nodeOfCpu.length ? nodeOfCpu[cpu] : -1;
    }

    /** @return the nodes that have memory this process may allocate on, ascending. */
    public int[] memoryNodeIds()
    {
        return nodes.stream().filter(n -> n.hasMemory() && n.isMemoryAllowed()).mapToInt(NumaNode::id).toArray();
    }

    /**
     * @return true if the kernel described no nodes and this is the assumed single node 0
     *     (not Linux, or no {@code /sys/devices/system/node}); memory binding is then a no-op.
     */
    public boolean isSingleNodeFallback()
    {
        return singleNodeFallback;
    }

    /** @return a multi-line description: one line per node, then one per huge page pool. */
    public String describe()
    {
        final StringBuilder out = new StringBuilder();
        out.append(nodeCount()).append(nodeCount() == 1 ? " NUMA node" : " NUMA nodes");
        if (singleNodeFallback)
        {
            out.append(" (assumed: the kernel describes none here; memory binding is a no-op)");
        }
        out.append('\n');
        for (final NumaNode node : nodes)
        {
            out.append(String.format("node %d: cpus %s (allowed %s), memory %s total, %s free%s, distances %s%n",
                node.id(),
                node.cpus().length == 0 ? "none" : CpuList.format(node.cpus()),
                node.allowedCpus().length == 0 ? "none" : CpuList.format(node.allowedCpus()),
                HugePagePool.describeSize(roundToMiB(node.memTotalBytes())),
                HugePagePool.describeSize(roundToMiB(node.memFreeBytes())),
                node.isMemoryAllowed() ? "" : " (not in this process's cpuset)",
                node.distances().entrySet().stream().sorted(Map.Entry.comparingByKey())
                    .map(e -> e.getKey() + ":" + e.getValue()).collect(Collectors.joining(" ", "[", "]"))));
            for (final HugePagePool pool : node.hugePagePools())
            {
                out.append(String.format("  huge pages %s: %d reserved, %d free, %d surplus%n",
                    HugePagePool.describeSize(pool.pageSizeBytes()), pool.totalPages(), pool.freePages(),
                    pool.surplusPages()));
            }
        }
        return out.toString();
    }

    @Override
    public String toString()
    {
        return "NumaTopology{nodes=" + nodes + ", singleNodeFallback=" + singleNodeFallback + '}';
    }

    private static long roundToMiB(final long bytes)
    {
        return (bytes >> 20) << 20;
    }

    private static NumaTopology singleNodeFallback(final Path nodeRoot, final int[] allowedCpus)
    {
        final int[] cpus = fallbackCpus(nodeRoot, allowedCpus);
        long memTotal = 0;
        long memFree = 0;
        final java.lang.management.OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
        if (os instanceof com.sun.management.OperatingSystemMXBean)
        {
            memTotal = ((com.sun.management.OperatingSystemMXBean)os).getTotalMemorySize();
            memFree = ((com.sun.management.OperatingSystemMXBean)os).getFreeMemorySize();
        }
        List<HugePagePool> pools = List.of();
        try
        {
            pools = readHugePagePools(SYSFS_HUGEPAGES_ROOT);
        }
        catch (final IOException ignored)
        {
            // no machine-wide pools either: none to report
        }
        if (!fallbackLogged)
        {
            fallbackLogged = true;
            LOG.log(System.Logger.Level.INFO, "numaslab: " + nodeRoot + " not found or lists no node (os.name=" +
                System.getProperty("os.name") + "): assuming one NUMA node 0 with CPUs " + CpuList.format(cpus) +
                "; memory binding is a no-op");
        }
        final int[] allowed = allowedCpus == null ? cpus : intersect(cpus, toBitSet(allowedCpus));
        final NumaNode node = new NumaNode(0, cpus, allowed, memTotal, memFree, Map.of(0, 10), pools, true);
        return new NumaTopology(List.of(node), true);
    }

    /**
     * The CPU ids of the assumed single node: the online CPUs from {@code cpu/online} beside the node directory
     * ({@code /sys/devices/system/cpu/online}, which kernels without NUMA have too) and the allowed CPUs, whose ids
     * are the kernel's. Counting from 0 to availableProcessors() is the last resort: under a cpuset such as 4-7 it
     * names CPUs the process cannot run on, and under a CPU quota too few.
     */
    private static int[] fallbackCpus(final Path nodeRoot, final int[] allowedCpus)
    {
        final BitSet ids = allowedCpus == null ? new BitSet() : toBitSet(allowedCpus);
        final Path online = nodeRoot.toAbsolutePath().resolveSibling("cpu").resolve("online");
        if (Files.isReadable(online))
        {
            try
            {
                ids.or(toBitSet(CpuList.parse(KernelFiles.read(online))));
            }
            catch (final IOException | IllegalArgumentException ignored)
            {
                // the allowed CPUs, or else the count, still give the node CPUs
            }
        }
        if (ids.isEmpty())
        {
            ids.set(0, Runtime.getRuntime().availableProcessors());
        }
        return ids.stream().toArray();
    }

    private static int[] onlineNodeIds(final Path nodeRoot) throws IOException
    {
        final Path online = nodeRoot.resolve("online");
        if (Files.isReadable(online))
        {
            return CpuList.parse(KernelFiles.read(online));
        }
        final List<Integer> ids = new ArrayList<>();
        try (DirectoryStream<Path> dirs = Files.newDirectoryStream(nodeRoot, "node*"))
        {
            for (final Path dir : dirs)
            {
                final Matcher m = NODE_DIR.matcher(dir.getFileName().toString());
                if (m.matches() && Files.isDirectory(dir))
                {
                    ids.add(Integer.parseInt(m.group(1)));
                }
            }
        }
        return ids.stream().mapToInt(Integer::intValue).sorted().toArray();
    }

    private static NumaNode readNode(
        final Path nodeRoot, final int id, final int[] nodeIds, final BitSet cpuMask, final BitSet memMask)
        throws IOException
    {
        final Path dir = nodeRoot.resolve("node" + id);
        final Path cpulist = dir.resolve("cpulist");
        final int[] cpus = Files.isReadable(cpulist) ? CpuList.parse(KernelFiles.read(cpulist)) : new int[0];
        final int[] allowedCpus = cpuMask == null ? cpus : intersect(cpus, cpuMask);

        long memTotal = 0;
        long memFree = 0;
        final Path meminfo = dir.resolve("meminfo");
        if (Files.isReadable(meminfo))
        {
            for (final String line : KernelFiles.readLines(meminfo))
            {
                final Matcher m = MEMINFO_LINE.matcher(line.trim());
                if (m.matches())
                {
                    final long bytes = Long.parseLong(m.group(2)) * 1024;
                    if ("MemTotal".equals(m.group(1)))
                    {
                        memTotal = bytes;
                    }
                    else if ("MemFree".equals(m.group(1)))
                    {
                        memFree = bytes;
                    }
                }
            }
        }

        // The distance file lists one distance per online node, in the order of the online list.
        final Map<Integer, Integer> distances = new HashMap<>();
        final Path distance = dir.resolve("distance");
        if (Files.isReadable(distance))
        {
            final String[] fields = KernelFiles.read(distance).trim().split("\\s+");
            for (int i = 0; i < fields.length && i < nodeIds.length; i++)
            {
                if (!fields[i].isEmpty())
                {
                    distances.put(nodeIds[i], Integer.parseInt(fields[i]));
                }
            }
        }

        final boolean memoryAllowed = memMask == null || memMask.get(id);
        return new NumaNode(id, cpus, allowedCpus, memTotal, memFree, distances,
            readHugePagePools(dir.resolve("hugepages")), memoryAllowed);
    }

    static List<HugePagePool> readHugePagePools(final Path hugepagesDir) throws IOException
    {
        if (!Files.isDirectory(hugepagesDir))
        {
            return List.of();
        }
        final List<HugePagePool> pools = new ArrayList<>();
        try (DirectoryStream<Path> dirs = Files.newDirectoryStream(hugepagesDir, "hugepages-*"))
        {
            for (final Path dir : dirs)
            {
                final Matcher m = HUGEPAGES_DIR.matcher(dir.getFileName().toString());
                if (m.matches())
                {
                    pools.add(new HugePagePool(
                        Long.parseLong(m.group(1)) * 1024,
                        readLong(dir.resolve("nr_hugepages")),
                        readLong(dir.resolve("free_hugepages")),
                        readLong(dir.resolve("surplus_hugepages"))));
                }
            }
        }
        pools.sort(Comparator.comparingLong(HugePagePool::pageSizeBytes));
        return pools;
    }

    /**
     * Reads the current pool of one page size on one node, without reading the rest of the topology.
     *
     * @param nodeId        the node.
     * @param pageSizeBytes the huge page size.
     * @return the pool, or empty if the node or the page size does not exist; where the kernel describes
     *     no nodes, the machine-wide pool.
     */
    public static Optional<HugePagePool> readHugePagePool(final int nodeId, final long pageSizeBytes)
    {
        final Path nodeDir = SYSFS_NODE_ROOT.resolve("node" + nodeId).resolve("hugepages");
        final Path root = Files.isDirectory(SYSFS_NODE_ROOT) ? nodeDir : SYSFS_HUGEPAGES_ROOT;
        try
        {
            return readHugePagePools(root).stream().filter(p -> p.pageSizeBytes() == pageSizeBytes).findFirst();
        }
        catch (final IOException ex)
        {
            return Optional.empty();
        }
    }

    private static long readLong(final Path file) throws IOException
    {
        return Files.isReadable(file) ? Long.parseLong(KernelFiles.read(file).trim()) : 0;
    }

    private static BitSet toBitSet(final int[] ids)
    {
        final BitSet set = new BitSet();
        for (final int id : ids)
        {
            set.set(id);
        }
        return set;
    }

    private static int[] intersect(final int[] ids, final BitSet mask)
    {
        return Arrays.stream(ids).filter(mask::get).toArray();
    }

    /** The CPUs and memory nodes this process may use, from {@code /proc/self/status}. */
    private static final class ProcessMasks
    {
        final int[] allowedCpus;
        final int[] allowedMemNodes;

        private ProcessMasks(final int[] allowedCpus, final int[] allowedMemNodes)
        {
            this.allowedCpus = allowedCpus;
            this.allowedMemNodes = allowedMemNodes;
        }

        static ProcessMasks readSelf()
        {
            int[] cpus = null;
            int[] mems = null;
            final Path status = Paths.get("/proc/self/status");
            if (Files.isReadable(status))
            {
                try
                {
                    for (final String line : KernelFiles.readLines(status))
                    {
                        if (line.startsWith("Cpus_allowed_list:"))
                        {
                            cpus = CpuList.parse(line.substring(line.indexOf(':') + 1));
                        }
                        else if (line.startsWith("Mems_allowed_list:"))
                        {
                            mems = CpuList.parse(line.substring(line.indexOf(':') + 1));
                        }
                    }
                }
                catch (final IOException | IllegalArgumentException ex)
                {
                    LOG.log(System.Logger.Level.WARNING,
                        "numaslab: cannot read allowed CPUs from /proc/self/status (" + ex.getMessage() +
                        "); assuming every CPU and node is allowed");
                }
            }
            return new ProcessMasks(cpus, mems);
        }
    }
}
