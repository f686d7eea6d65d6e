package io.numaslab.allocator;

import io.numaslab.hugepages.PageKind;
import io.numaslab.numa.Numa;
import io.numaslab.numa.NumaTopology;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import javax.management.MBeanServer;
import javax.management.ObjectName;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Placement and remote frees on 2 or 4 nodes; runs inside ../shared/numa-vm (see .ci/multinode). Placement is
 * checked with move_pages, independently of the allocator's bookkeeping.
 */
@Tag("multinode")
class MultiNodeAllocatorTest
{
    private static final int[] SIZES = {64, 4096, 16384, 65536, 200_000, 3 << 20};
    private static NumaTopology topology;

    @BeforeAll
    static void needsSeveralNodes()
    {
        topology = NumaTopology.read();
        assertTrue(topology.nodeCount() >= 2, "the multi-node suite needs 2+ nodes, found " + topology.describe());
    }

    @Test
    void threadsPinnedToEachNodeGetMemoryOnTheirNode() throws Exception
    {
        try (NumaAllocator allocator = NumaAllocator.builder().jmx(false).regionSizeBytes(4 << 20).build())
        {
            for (final int node : allocator.nodes())
            {
                onThreadPinnedTo(node, () ->
                {
                    assertEquals(ThreadBinding.PINNED, allocator.bindingOfCurrentThread());
                    assertEquals(node, allocator.nodeOfCurrentThread());
                    final List<Long> taken = new ArrayList<>();
                    for (final int size : SIZES)
                    {
                        final long address = allocator.allocate(size);
                        CrossThreadStressTest.Memory.fill(address, size, address);
                        final int[] nodes = Numa.nodesOfPages(address, size, 4096);
                        assertTrue(Arrays.stream(nodes).allMatch(n -> n == node),
                            size + " bytes for a thread of node " + node + " landed on " + Arrays.toString(nodes));
                        taken.add(address);
                    }
                    taken.forEach(allocator::free);
                });
            }
        }
    }

    @Test
    void freesFromAnotherNodesThreadGoHomeAndJmxAgrees() throws Exception
    {
        try (NumaAllocator allocator = NumaAllocator.builder().regionSizeBytes(4 << 20).pageKind(PageKind.SMALL).build())
        {
            final int home = allocator.nodes()[0];
            final int away = allocator.nodes()[1];
            final long[] addresses = new long[300];
            onThreadPinnedTo(home, () ->
            {
                for (int i = 0; i < addresses.length; i++)
                {
                    addresses[i] = allocator.allocate(1000);
                }
            });
            final MBeanServer server = ManagementFactory.getPlatformMBeanServer();
            final ObjectName homeBean = new ObjectName("io.numaslab:type=NodeArena,node=" + home);
            assertEquals(300L * 1024, server.getAttribute(homeBean, "UsedBytes"), "JMX used bytes of node " + home);
            assertEquals(300L, server.getAttribute(homeBean, "Allocations"));

            onThreadPinnedTo(away, () ->
            {
                for (final long address : addresses)
                {
                    allocator.free(address);
                }
                // the away thread's own allocations never reuse the home node's memory
                for (int i = 0; i < 300; i++)
                {
                    final long mine = allocator.allocate(1000);
                    assertEquals(away, Numa.nodesOfPages(mine, 1000, 4096)[0]);
                    assertTrue(Arrays.stream(addresses).noneMatch(a -> a == mine), "reused another node's memory");
                    allocator.free(mine);
                }
                allocator.trimCurrentThreadCache();
            });
            allocator.maintainNow();

            assertEquals(300L, server.getAttribute(homeBean, "RemoteFrees"), "frees received home");
            assertEquals(0L, server.getAttribute(homeBean, "PendingRemoteFrees"));
            assertEquals(0L, server.getAttribute(homeBean, "UsedBytes"));
            final ObjectName awayBean = new ObjectName("io.numaslab:type=NodeArena,node=" + away);
            assertEquals(300L, server.getAttribute(awayBean, "Allocations"));
            assertEquals(0L, server.getAttribute(awayBean, "UsedBytes"));

            // the home node reuses what came back
            onThreadPinnedTo(home, () ->
            {
                final long again = allocator.allocate(1000);
                assertTrue(Arrays.stream(addresses).anyMatch(a -> a == again), "home node reuses its returned memory");
                allocator.free(again);
            });
        }
    }

    @Test
    void aFullNodeFallsBackToTheNearestNodeWhenAskedAndSaysSo() throws Exception
    {
        try (NumaAllocator allocator = NumaAllocator.builder().jmx(false).pageKind(PageKind.SMALL)
            .regionSizeBytes(2 << 20).bytesLimitPerNode(2 << 20).threadCacheBytes(0).fallbackToOtherNodes(true).build())
        {
            final int home = allocator.nodes()[0];
            onThreadPinnedTo(home, () ->
            {
                final List<Long> taken = new ArrayList<>();
                long address;
                do
                {
                    address = allocator.allocate(60_000);
                    taken.add(address);
                }
                while (Numa.nodesOfPages(address, 60_000, 4096)[0] == home);
                final int other = Numa.nodesOfPages(address, 60_000, 4096)[0];
                assertTrue(other != home && other >= 0, "served by another node: " + other);
                assertEquals(1, allocator.nodeStats(home).getFallbacks());
                assertEquals(1, allocator.nodeStats(home).getFailures());
                taken.forEach(allocator::free);
            });
        }
    }

    @Test
    void withoutFallbackAFullNodeThrowsNamingNodeAndLimit() throws Exception
    {
        try (NumaAllocator allocator = NumaAllocator.builder().jmx(false).pageKind(PageKind.SMALL)
            .regionSizeBytes(2 << 20).bytesLimitPerNode(2 << 20).threadCacheBytes(0).build())
        {
            final int home = allocator.nodes()[1];
            onThreadPinnedTo(home, () ->
            {
                final NodeLimitExceededException ex = org.junit.jupiter.api.Assertions.assertThrows(
                    NodeLimitExceededException.class, () ->
                    {
                        for (int i = 0; i < 1000; i++)
                        {
                            allocator.allocate(60_000);
                        }
                    });
                assertEquals(home, ex.node());
                assertTrue(ex.getMessage().startsWith("node " + home + ": cannot allocate 60000 bytes"), ex.getMessage());
            });
        }
    }

    @Test
    void crossNodeStressEndsWithEveryCounterAtZero() throws InterruptedException
    {
        try (NumaAllocator allocator = NumaAllocator.builder().jmx(false).regionSizeBytes(4 << 20).build())
        {
            final int[] nodes = allocator.nodes();
            CrossThreadStressTest.runStress(allocator, nodes.length, 3000,
                id -> NodeAffinity.pinCurrentThreadToNode(nodes[id % nodes.length]));
            for (final int node : nodes)
            {
                final NodeArenaMXBean stats = allocator.nodeStats(node);
                assertEquals(0, stats.getUsedBytes(), "node " + node);
                assertEquals(0, stats.getCachedBytes(), "node " + node);
                assertEquals(0, stats.getPendingRemoteFrees(), "node " + node);
                assertEquals(stats.getAllocations(), stats.getFrees(), "node " + node);
                assertTrue(stats.getRemoteFrees() > 0, "node " + node + " received frees from another node");
            }
        }
    }

    interface Body
    {
        void run() throws Exception;
    }

    static void onThreadPinnedTo(final int node, final Body body) throws Exception
    {
        final AtomicReference<Throwable> failure = new AtomicReference<>();
        final Thread thread = new Thread(() ->
        {
            try
            {
                NodeAffinity.pinCurrentThreadToNode(node);
                body.run();
            }
            catch (final Throwable t)
            {
                failure.set(t);
            }
        });
        thread.start();
        thread.join();
        if (failure.get() instanceof Exception)
        {
            throw (Exception)failure.get();
        }
        if (failure.get() != null)
        {
            throw new AssertionError(failure.get());
        }
    }
}
