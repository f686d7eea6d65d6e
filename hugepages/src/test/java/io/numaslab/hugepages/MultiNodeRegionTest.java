package io.numaslab.hugepages;

import io.numaslab.numa.HugePagePool;
import io.numaslab.numa.NumaMaps;
import io.numaslab.numa.NumaTopology;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Placement on a machine with 2 or 4 nodes; runs inside ../shared/numa-vm (see .ci/multinode) with 2 MiB
 * huge pages reserved on every node. Placement is checked by move_pages and, separately, by numa_maps.
 */
@Tag("multinode")
class MultiNodeRegionTest
{
    private static final long MIB = 1L << 20;
    private static NumaTopology topology;

    @BeforeAll
    static void needsSeveralNodes()
    {
        topology = NumaTopology.read();
        assertTrue(topology.nodeCount() >= 2, "the multi-node suite needs 2+ nodes, found " + topology.describe());
    }

    @ParameterizedTest
    @EnumSource(value = PageKind.class, names = {"HUGETLB_2M", "THP", "SMALL"})
    void regionBoundToEachNodeHasEveryPageThere(final PageKind kind)
    {
        for (final int node : topology.memoryNodeIds())
        {
            if (kind.isHugetlb())
            {
                TestEnvironment.requireFree2MPages(node, 4);
            }
            try (Region region = Region.builder(8 * MIB).node(node).pageKind(kind).fallback(false).map())
            {
                final int[] nodes = region.nodesOfPages();
                assertTrue(Arrays.stream(nodes).allMatch(n -> n == node),
                    kind + " on node " + node + ": move_pages says " + region.pagesPerNode());
                final Map<Integer, Long> numaMaps = NumaMaps.pagesPerNode(region.address(), region.sizeBytes());
                assertEquals(Map.of(node, (long)nodes.length), numaMaps, kind + " on node " + node + ": numa_maps");
                assertTrue(region.isNodeBound());
            }
        }
    }

    @Test
    void aBuilderWithoutANodeMapsOnTheNodeOfEachThreadThatUsesIt() throws Exception
    {
        final Region.Builder builder = Region.builder(4 * MIB).pageKind(PageKind.SMALL).fallback(false);
        for (final int node : topology.memoryNodeIds())
        {
            if (topology.node(node).allowedCpus().length == 0)
            {
                continue; // a memory-only node: no thread runs there
            }
            final int cpu = topology.node(node).allowedCpus()[0];
            final int[][] placed = new int[1][];
            final Throwable[] failed = new Throwable[1];
            final Thread mapper = new Thread(() ->
            {
                try
                {
                    io.numaslab.numa.Numa.pinCurrentThread(cpu);
                    try (Region region = builder.map())
                    {
                        placed[0] = new int[] {region.node(), region.nodesOfPages()[0],
                            region.nodesOfPages()[region.nodesOfPages().length - 1]};
                    }
                }
                catch (final Throwable t)
                {
                    failed[0] = t;
                }
            });
            mapper.start();
            mapper.join();
            if (failed[0] != null)
            {
                throw new AssertionError("mapping on a thread pinned to CPU " + cpu + " of node " + node, failed[0]);
            }
            assertEquals(node, placed[0][0], "the region's node, mapped from CPU " + cpu);
            assertEquals(node, placed[0][1], "move_pages of its first page");
            assertEquals(node, placed[0][2], "move_pages of its last page");
        }
    }

    @Test
    void hugetlbOnANodeWhosePoolIsEmptyFallsBackAndTheJvmSurvives()
    {
        final int node = topology.memoryNodeIds()[1];
        final long free = TestEnvironment.freeHugePages(node, HugePagePool.SIZE_2M);
        TestEnvironment.requireFree2MPages(node, 1);
        try (Region all = Region.builder(free * 2 * MIB).node(node).pageKind(PageKind.HUGETLB_2M).fallback(false).map())
        {
            assertEquals(0, TestEnvironment.freeHugePages(node, HugePagePool.SIZE_2M), "node " + node + " pool drained");

            // numaslab's check sees the empty pool
            try (Region checked = Region.map(4 * MIB, node, PageKind.HUGETLB_2M))
            {
                assertEquals(PageKind.THP, checked.pageKind());
                assertTrue(checked.fallbackReasons().get(0).contains("node " + node + " has 0 free 2 MiB pages"),
                    checked.fallbackReasons().toString());
                assertTrue(Arrays.stream(checked.nodesOfPages()).allMatch(n -> n == node));
            }

            // without the check, the kernel's prefault meets the empty pool: an errno, not SIGBUS
            try (Region unchecked = Region.builder(4 * MIB).node(node).pageKind(PageKind.HUGETLB_2M)
                .checkFreePages(false).map())
            {
                assertEquals(PageKind.THP, unchecked.pageKind());
                assertTrue(unchecked.fallbackReasons().get(0).contains("ran out of 2 MiB huge pages while prefaulting"),
                    unchecked.fallbackReasons().toString());
                assertTrue(Arrays.stream(unchecked.nodesOfPages()).allMatch(n -> n == node));
            }
        }
        assertEquals(free, TestEnvironment.freeHugePages(node, HugePagePool.SIZE_2M), "pool restored after close");
    }
}
