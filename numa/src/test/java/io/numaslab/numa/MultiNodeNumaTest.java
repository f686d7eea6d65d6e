package io.numaslab.numa;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Runs inside ../shared/numa-vm (see .ci/multinode): needs two or more nodes. */
@Tag("multinode")
class MultiNodeNumaTest
{
    private static NumaTopology topology;

    @BeforeAll
    static void needsSeveralNodes()
    {
        topology = NumaTopology.read();
        assertTrue(topology.nodeCount() >= 2, "the multi-node suite needs 2+ nodes, found " + topology.describe());
        final String expected = System.getenv("NUMA_VM_NODES");
        if (expected != null)
        {
            assertEquals(Integer.parseInt(expected), topology.nodeCount());
        }
    }

    @Test
    void getcpuFromAThreadPinnedToACpuOfEachNodeSaysThatNode() throws InterruptedException
    {
        for (final NumaNode node : topology.nodes())
        {
            for (final int cpu : node.allowedCpus())
            {
                final AtomicReference<String> seen = new AtomicReference<>();
                final Thread thread = new Thread(() ->
                {
                    Numa.pinCurrentThread(cpu);
                    seen.set(Numa.currentCpu() + "/" + Numa.currentNode());
                });
                thread.start();
                thread.join();
                assertEquals(cpu + "/" + node.id(), seen.get(), "cpu/node seen from a thread pinned to cpu " + cpu);
            }
        }
    }

    @Test
    void topologyReportsDistinctCpusAndRemoteDistances()
    {
        for (final NumaNode node : topology.nodes())
        {
            assertTrue(node.hasMemory(), node.toString());
            assertEquals(10, node.distanceTo(node.id()));
            for (final NumaNode other : topology.nodes())
            {
                if (other.id() != node.id())
                {
                    assertTrue(node.distanceTo(other.id()) > 10, node.toString());
                }
            }
        }
    }
}
