package io.numaslab.bench.locality;

import io.numaslab.hugepages.PageKind;

import java.util.List;

/**
 * One (CPU node, memory node) pair of the locality report: threads pinned to CPUs of {@code cpuNode}
 * reading a region bound to {@code memoryNode}.
 *
 * @param cpuNode                  the node whose CPUs ran the loads.
 * @param memoryNode               the node the region was bound to.
 * @param distance                 the kernel's distance between them (10 local, 20 typical remote); -1 unknown.
 * @param cpusUsed                 the CPUs the threads were pinned to.
 * @param pinnedOnCpuNode          true if {@code getcpu} showed the latency thread on {@code cpuNode}.
 * @param pageKind                 the page kind the region got.
 * @param fallbackReasons          why it is not the kind asked for, if it is not.
 * @param sizeBytes                the working set.
 * @param latencyNsPerAccess       best-pass ns per dependent load (pointer chase over 64-byte lines).
 * @param latencyVsLocal           latency over that of ({@code cpuNode}, {@code cpuNode}); NaN if no local pair.
 * @param bandwidthBytesPerSecond  best-pass bytes per second of sequential reading by all threads together.
 * @param bandwidthVsLocal         bandwidth over that of the local pair; NaN if none.
 * @param pagesOnMemoryNode        pages of the region on {@code memoryNode} by {@code move_pages}.
 * @param pageCount                pages of the region ({@code Region.nodesOfPages()} entries).
 */
public record NodePairRow(
    int cpuNode, int memoryNode, int distance, List<Integer> cpusUsed, boolean pinnedOnCpuNode, PageKind pageKind,
    List<String> fallbackReasons, long sizeBytes, double latencyNsPerAccess, double latencyVsLocal,
    double bandwidthBytesPerSecond, double bandwidthVsLocal, long pagesOnMemoryNode, long pageCount)
{
    /** Copies the lists. */
    public NodePairRow
    {
        cpusUsed = List.copyOf(cpusUsed);
        fallbackReasons = List.copyOf(fallbackReasons);
    }

    /** @return true when every page of the region is on the memory node. */
    public boolean placementOk()
    {
        return pageCount > 0 && pagesOnMemoryNode == pageCount;
    }

    /** @return bandwidth in GB/s (10^9 bytes per second). */
    public double gigabytesPerSecond()
    {
        return bandwidthBytesPerSecond / 1e9;
    }

    /** @return true for a pair whose CPUs and memory are on the same node. */
    public boolean isLocal()
    {
        return cpuNode == memoryNode;
    }

    /**
     * @param latency   new latency ratio.
     * @param bandwidth new bandwidth ratio.
     * @return this row with the ratios against the local pair set.
     */
    public NodePairRow withRatios(final double latency, final double bandwidth)
    {
        return new NodePairRow(cpuNode, memoryNode, distance, cpusUsed, pinnedOnCpuNode, pageKind, fallbackReasons,
            sizeBytes, latencyNsPerAccess, latency, bandwidthBytesPerSecond, bandwidth, pagesOnMemoryNode, pageCount);
    }
}
