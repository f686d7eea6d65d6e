package io.numaslab.numa;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class NumaTopologyTest
{
    @TempDir
    Path tmp;

    @Test
    void readsOneNodeWithItsCpusMemoryAndHugePages()
    {
        final FakeSysfs sys = new FakeSysfs(tmp).online("0")
            .node(0, "0-1", 24L << 20, 20L << 20, "10")
            .hugePages(0, 2048, 64, 60)
            .hugePages(0, 1048576, 0, 0);

        final NumaTopology topology = NumaTopology.read(sys.root(), null, null);

        assertEquals(1, topology.nodeCount());
        assertFalse(topology.isSingleNodeFallback());
        final NumaNode node = topology.node(0);
        assertArrayEquals(new int[] {0, 1}, node.cpus());
        assertEquals(24L << 30, node.memTotalBytes());
        assertEquals(20L << 30, node.memFreeBytes());
        assertEquals(10, node.distanceTo(0));
        assertEquals(new HugePagePool(2L << 20, 64, 60, 0), node.hugePagePool(2L << 20).orElseThrow());
        assertEquals(new HugePagePool(1L << 30, 0, 0, 0), node.hugePagePool(1L << 30).orElseThrow());
        assertEquals(2L << 20, node.hugePagePools().get(0).pageSizeBytes(), "smallest page first");
    }

    @Test
    void readsTwoNodesWithDistances()
    {
        final FakeSysfs sys = new FakeSysfs(tmp).online("0-1")
            .node(0, "0-3", 1L << 20, 1L << 19, "10 21")
            .node(1, "4-7", 1L << 20, 1L << 19, "21 10");

        final NumaTopology topology = NumaTopology.read(sys.root(), null, null);

        assertArrayEquals(new int[] {0, 1}, topology.nodeIds());
        assertEquals(21, topology.node(0).distanceTo(1));
        assertEquals(10, topology.node(1).distanceTo(1));
        assertEquals(1, topology.nodeOfCpu(5));
        assertEquals(0, topology.nodeOfCpu(3));
        assertEquals(-1, topology.nodeOfCpu(8));
    }

    @Test
    void readsFourNodesWithOneGigPagesOnEach()
    {
        final FakeSysfs sys = new FakeSysfs(tmp).online("0-3");
        for (int n = 0; n < 4; n++)
        {
            sys.node(n, String.valueOf(n), 4L << 20, 3L << 20, "10 20 20 20".substring(0, 11))
                .hugePages(n, 1048576, 2, 2 - n % 2)
                .hugePages(n, 2048, 32, 32);
        }

        final NumaTopology topology = NumaTopology.read(sys.root(), null, null);

        assertEquals(4, topology.nodeCount());
        for (int n = 0; n < 4; n++)
        {
            assertEquals(2 - n % 2, topology.node(n).hugePagePool(1L << 30).orElseThrow().freePages());
            assertEquals(32, topology.node(n).hugePagePool(2L << 20).orElseThrow().totalPages());
            assertEquals(n, topology.nodeOfCpu(n));
        }
    }

    @Test
    void keepsSparseNodeIdsAndMapsDistancesInOnlineOrder()
    {
        final FakeSysfs sys = new FakeSysfs(tmp).online("0,2")
            .node(0, "0-1", 1L << 20, 1L << 19, "10 30")
            .node(2, "2-3", 1L << 20, 1L << 19, "30 10");

        final NumaTopology topology = NumaTopology.read(sys.root(), null, null);

        assertArrayEquals(new int[] {0, 2}, topology.nodeIds());
        assertFalse(topology.hasNode(1));
        assertEquals(30, topology.node(0).distanceTo(2));
        assertEquals(-1, topology.node(0).distanceTo(1));
        assertEquals(2, topology.nodeOfCpu(3));
    }

    @Test
    void findsNodesWithoutOnlineFileByDirectoryNames()
    {
        final FakeSysfs sys = new FakeSysfs(tmp)
            .node(3, "0", 1L << 20, 1L << 19, "10 20")
            .node(1, "1", 1L << 20, 1L << 19, "20 10");

        assertArrayEquals(new int[] {1, 3}, NumaTopology.read(sys.root(), null, null).nodeIds());
    }

    @Test
    void memoryLessNodeHasNoMemoryAndIsNotAMemoryNode()
    {
        final FakeSysfs sys = new FakeSysfs(tmp).online("0-1")
            .node(0, "0-1", 1L << 20, 1L << 19, "10 20")
            .node(1, "2-3", 0, 0, "20 10");

        final NumaTopology topology = NumaTopology.read(sys.root(), null, null);

        assertFalse(topology.node(1).hasMemory());
        assertArrayEquals(new int[] {2, 3}, topology.node(1).cpus());
        assertArrayEquals(new int[] {0}, topology.memoryNodeIds());
    }

    @Test
    void cpuLessNodeHasMemoryButNoCpus()
    {
        final FakeSysfs sys = new FakeSysfs(tmp).online("0-1")
            .node(0, "0-1", 1L << 20, 1L << 19, "10 20")
            .node(1, "", 8L << 20, 8L << 20, "20 10");

        final NumaTopology topology = NumaTopology.read(sys.root(), null, null);

        assertEquals(0, topology.node(1).cpus().length);
        assertTrue(topology.node(1).hasMemory());
        assertArrayEquals(new int[] {0, 1}, topology.memoryNodeIds());
    }

    @Test
    void honoursAllowedCpusAndMemoryNodes()
    {
        final FakeSysfs sys = new FakeSysfs(tmp).online("0-1")
            .node(0, "0-3", 1L << 20, 1L << 19, "10 20")
            .node(1, "4-7", 1L << 20, 1L << 19, "20 10");

        final NumaTopology topology = NumaTopology.read(sys.root(), new int[] {1, 2, 6}, new int[] {1});

        assertArrayEquals(new int[] {0, 1, 2, 3}, topology.node(0).cpus());
        assertArrayEquals(new int[] {1, 2}, topology.node(0).allowedCpus());
        assertArrayEquals(new int[] {6}, topology.node(1).allowedCpus());
        assertFalse(topology.node(0).isMemoryAllowed());
        assertArrayEquals(new int[] {1}, topology.memoryNodeIds());
    }

    @Test
    void missingSysfsGivesOneNodeZeroWithEveryCpu()
    {
        final NumaTopology topology = NumaTopology.read(tmp.resolve("absent"), null, null);

        assertTrue(topology.isSingleNodeFallback());
        assertArrayEquals(new int[] {0}, topology.nodeIds());
        assertEquals(Runtime.getRuntime().availableProcessors(), topology.node(0).cpus().length);
        assertEquals(Map.of(0, 10), topology.node(0).distances());
    }

    @Test
    void missingSysfsKeepsTheIdsOfTheAllowedCpusOnNodeZero()
    {
        // a cpuset whose CPU ids start at or after the CPU count, as "4-7" does for 4 CPUs
        final int cpu = Runtime.getRuntime().availableProcessors();
        final NumaTopology topology = NumaTopology.read(tmp.resolve("absent"), new int[] {cpu}, null);

        assertArrayEquals(new int[] {cpu}, topology.node(0).allowedCpus());
        assertTrue(Arrays.stream(topology.node(0).cpus()).anyMatch(c -> c == cpu));
        assertEquals(0, topology.nodeOfCpu(cpu));
    }

    @Test
    void missingNodeTreeTakesTheCpuIdsFromTheOnlineCpus() throws IOException
    {
        final Path system = Files.createDirectories(tmp.resolve("system"));
        Files.createDirectories(system.resolve("cpu"));
        Files.writeString(system.resolve("cpu").resolve("online"), "0-7\n");

        // a cpuset of 4-7, or a CPU quota that makes availableProcessors() smaller than the CPUs allowed
        final NumaTopology topology = NumaTopology.read(system.resolve("node"), new int[] {4, 5, 6, 7}, null);

        assertTrue(topology.isSingleNodeFallback());
        assertArrayEquals(new int[] {0, 1, 2, 3, 4, 5, 6, 7}, topology.node(0).cpus());
        assertArrayEquals(new int[] {4, 5, 6, 7}, topology.node(0).allowedCpus());
        assertEquals(0, topology.nodeOfCpu(5));
        assertEquals(0, topology.nodeOfCpu(1));
        assertEquals(8, NumaTopology.read(system.resolve("node"), null, null).node(0).cpus().length);
    }

    @Test
    void aTreeThatListsNoNodeGivesOneNodeZeroWithEveryCpu()
    {
        final FakeSysfs sys = new FakeSysfs(tmp).online("");
        final NumaTopology topology = NumaTopology.read(sys.root(), null, null);

        assertTrue(topology.isSingleNodeFallback());
        assertArrayEquals(new int[] {0}, topology.nodeIds());
        assertArrayEquals(new int[] {0}, topology.memoryNodeIds());
    }

    @Test
    void unknownNodeNamesTheNodesThatExist()
    {
        final FakeSysfs sys = new FakeSysfs(tmp).online("0,2")
            .node(0, "0", 1L << 20, 1L << 19, "10 20")
            .node(2, "1", 1L << 20, 1L << 19, "20 10");

        final IllegalArgumentException ex = assertThrows(IllegalArgumentException.class,
            () -> NumaTopology.read(sys.root(), null, null).node(99));
        assertEquals("node 99 does not exist; this machine has node(s) 0,2", ex.getMessage());
    }

    @Test
    void describeListsEveryNodeAndPool()
    {
        final FakeSysfs sys = new FakeSysfs(tmp).online("0-1")
            .node(0, "0-1", 2L << 20, 1L << 20, "10 20").hugePages(0, 2048, 8, 7)
            .node(1, "2-3", 2L << 20, 1L << 20, "20 10").hugePages(1, 2048, 8, 0);

        final String text = NumaTopology.read(sys.root(), null, null).describe();

        assertTrue(text.startsWith("2 NUMA nodes\n"), text);
        assertTrue(text.contains("node 1: cpus 2-3 (allowed 2-3), memory 2 GiB total, 1 GiB free, distances [0:20 1:10]"), text);
        assertTrue(text.contains("huge pages 2 MiB: 8 reserved, 0 free, 0 surplus"), text);
    }

    @Test
    void thisMachineHasAtLeastOneNodeAndEveryAllowedCpuBelongsToANode()
    {
        final NumaTopology topology = NumaTopology.read();

        assertTrue(topology.nodeCount() >= 1);
        for (final int cpu : Numa.currentThreadCpus())
        {
            assertTrue(topology.nodeOfCpu(cpu) >= 0 || topology.isSingleNodeFallback(), "cpu " + cpu + " has a node");
        }
        final String vmNodes = System.getenv("NUMA_VM_NODES");
        if (vmNodes != null)
        {
            assertEquals(Integer.parseInt(vmNodes), topology.nodeCount(), "the NUMA VM's node count");
        }
    }
}
