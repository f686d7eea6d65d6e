package io.numaslab.numa;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One NUMA node as the kernel describes it: its CPUs, its memory, its distances to the other nodes
 * and its huge page pools. Immutable snapshot; see {@link NumaTopology}.
 */
public final class NumaNode
{
    private final int id;
    private final int[] cpus;
    private final int[] allowedCpus;
    private final long memTotalBytes;
    private final long memFreeBytes;
    private final Map<Integer, Integer> distances;
    private final List<HugePagePool> hugePagePools;
    private final boolean memoryAllowed;

    NumaNode(
        final int id,
        final int[] cpus,
        final int[] allowedCpus,
        final long memTotalBytes,
        final long memFreeBytes,
        final Map<Integer, Integer> distances,
        final List<HugePagePool> hugePagePools,
        final boolean memoryAllowed)
    {
        this.id = id;
        this.cpus = cpus.clone();
        this.allowedCpus = allowedCpus.clone();
        this.memTotalBytes = memTotalBytes;
        this.memFreeBytes = memFreeBytes;
        this.distances = Map.copyOf(distances);
        this.hugePagePools = List.copyOf(hugePagePools);
        this.memoryAllowed = memoryAllowed;
    }

    /** @return the kernel's node id (ids may be sparse, e.g. 0 and 2). */
    public int id()
    {
        return id;
    }

    /** @return every online CPU of this node, ascending; empty for a CPU-less node. */
    public int[] cpus()
    {
        return cpus.clone();
    }

    /** @return the CPUs of this node this process may run on (its affinity mask and cpuset), ascending. */
    public int[] allowedCpus()
    {
        return allowedCpus.clone();
    }

    /** @return the node's memory in bytes ({@code MemTotal}); 0 for a memory-less node. */
    public long memTotalBytes()
    {
        return memTotalBytes;
    }

    /** @return the node's free memory in bytes ({@code MemFree}) when the snapshot was taken. */
    public long memFreeBytes()
    {
        return memFreeBytes;
    }

    /** @return true if the node has memory at all. */
    public boolean hasMemory()
    {
        return memTotalBytes > 0;
    }

    /** @return true if this process's cpuset lets it allocate memory on this node ({@code Mems_allowed}). */
    public boolean isMemoryAllowed()
    {
        return memoryAllowed;
    }

    /**
     * The ACPI SLIT distance to another node: 10 is local, about 20 is one hop away.
     *
     * @param otherNodeId a node id.
     * @return the distance, or -1 if the kernel did not report one.
     */
    public int distanceTo(final int otherNodeId)
    {
        return distances.getOrDefault(otherNodeId, -1);
    }

    /** @return distances to every node, keyed by node id. */
    public Map<Integer, Integer> distances()
    {
        return distances;
    }

    /** @return this node's hugetlb pools, one per page size the kernel supports, smallest page first. */
    public List<HugePagePool> hugePagePools()
    {
        return hugePagePools;
    }

    /**
     * @param pageSizeBytes e.g. {@link HugePagePool#SIZE_2M}.
     * @return the pool of that page size, or empty if the kernel has none of that size.
     */
    public Optional<HugePagePool> hugePagePool(final long pageSizeBytes)
    {
        return hugePagePools.stream().filter(p -> p.pageSizeBytes() == pageSizeBytes).findFirst();
    }

    @Override
    public String toString()
    {
        return "NumaNode{id=" + id +
            ", cpus=" + CpuList.format(cpus) +
            ", allowedCpus=" + CpuList.format(allowedCpus) +
            ", memTotalBytes=" + memTotalBytes +
            ", memFreeBytes=" + memFreeBytes +
            ", distances=" + distances +
            ", hugePagePools=" + hugePagePools +
            ", memoryAllowed=" + memoryAllowed + '}';
    }

    @Override
    public boolean equals(final Object o)
    {
        if (!(o instanceof NumaNode))
        {
            return false;
        }
        final NumaNode n = (NumaNode)o;
        return id == n.id && memTotalBytes == n.memTotalBytes && Arrays.equals(cpus, n.cpus) &&
            Arrays.equals(allowedCpus, n.allowedCpus) && distances.equals(n.distances) &&
            hugePagePools.equals(n.hugePagePools) && memoryAllowed == n.memoryAllowed;
    }

    @Override
    public int hashCode()
    {
        return 31 * id + Arrays.hashCode(cpus);
    }
}
