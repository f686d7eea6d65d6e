package io.numaslab.allocator.netty;

import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.util.concurrent.FastThreadLocalThread;
import io.netty.util.concurrent.Future;
import io.numaslab.allocator.NodeAffinity;
import io.numaslab.allocator.NumaAllocator;
import io.numaslab.allocator.ThreadBinding;
import io.numaslab.numa.NumaTopology;
import net.openhft.affinity.Affinity;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Arrays;
import java.util.BitSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Event loops spread over the allocator's nodes, each pinned to its node's CPUs and bound to its arena. */
class NodeEventLoopsTest
{
    private static final Duration WAIT = Duration.ofSeconds(10);

    private NumaAllocator numa;

    @BeforeEach
    void openAllocator()
    {
        numa = NumaAllocator.builder().jmx(false).build();
    }

    @AfterEach
    void closeAllocator()
    {
        numa.close();
    }

    /** What an event loop thread knows about itself. */
    private static final class LoopFacts
    {
        final ThreadBinding binding;
        final int node;
        final int pinnedNode;
        final boolean fastThreadLocalThread;

        LoopFacts(final NumaAllocator numa)
        {
            binding = numa.bindingOfCurrentThread();
            node = numa.nodeOfCurrentThread();
            pinnedNode = NodeAffinity.pinnedNodeOfCurrentThread();
            fastThreadLocalThread = Thread.currentThread() instanceof FastThreadLocalThread;
        }
    }

    @Test
    void everyLoopIsBoundToTheArenaOfTheNodeItIsPinnedTo()
    {
        final int threadsPerNode = 2;
        try (NodeEventLoops loops = NodeEventLoops.createNio(numa, threadsPerNode))
        {
            assertEquals(threadsPerNode * numa.nodes().length, loops.threadCount());
            final Map<String, LoopFacts> facts = new ConcurrentHashMap<>();
            loops.runOnEachLoop(() -> facts.put(Thread.currentThread().getName(), new LoopFacts(numa)), WAIT);
            assertEquals(loops.threadCount(), facts.size());
            final int[] perNode = new int[Arrays.stream(numa.nodes()).max().orElse(0) + 1];
            facts.forEach((name, f) ->
            {
                assertEquals(ThreadBinding.EXPLICIT, f.binding, name);
                assertTrue(Arrays.stream(numa.nodes()).anyMatch(n -> n == f.node), name + " on node " + f.node);
                assertEquals(f.node, f.pinnedNode, name + " is pinned to the CPUs of its node");
                assertTrue(f.fastThreadLocalThread, name);
                assertTrue(name.startsWith("numaslab-nio-node" + f.node + "-"), name);
                perNode[f.node]++;
            });
            for (final int node : numa.nodes())
            {
                assertEquals(threadsPerNode, perNode[node], "loops on node " + node);
            }
        }
    }

    /**
     * Starts as many loops per node as the node with the fewest allowed CPUs has, and checks, from each loop
     * thread's own affinity mask rather than from what the pinning returned, that each loop is pinned to one CPU of
     * its node and that no two loops of a node share a CPU. Also run by {@link NodeEventLoopsMultiNodeTest}, where
     * the loops of several nodes are made in turn.
     *
     * @param numa the allocator whose nodes the loops go to.
     */
    static void assertTheLoopsOfEachNodeAreOnDistinctCpusOfIt(final NumaAllocator numa)
    {
        final NumaTopology topology = NumaTopology.read();
        final int threadsPerNode = Arrays.stream(numa.nodes())
            .map(node -> topology.node(node).allowedCpus().length).min().orElse(1);
        final Map<String, Integer> nodeOfLoop = new ConcurrentHashMap<>();
        final Map<String, BitSet> cpusOfLoop = new ConcurrentHashMap<>();
        try (NodeEventLoops loops = NodeEventLoops.createNio(numa, threadsPerNode))
        {
            loops.runOnEachLoop(() ->
            {
                nodeOfLoop.put(Thread.currentThread().getName(), numa.nodeOfCurrentThread());
                cpusOfLoop.put(Thread.currentThread().getName(), Affinity.getAffinity());
            }, WAIT);
        }
        assertEquals(threadsPerNode * numa.nodes().length, cpusOfLoop.size());
        final Map<Integer, Set<Integer>> cpusTakenOnNode = new HashMap<>();
        cpusOfLoop.forEach((name, mask) ->
        {
            assertEquals(1, mask.cardinality(), name + " is pinned to one CPU, not " + mask);
            final int cpu = mask.nextSetBit(0);
            final int node = nodeOfLoop.get(name);
            assertEquals(node, topology.nodeOfCpu(cpu), name + " is on CPU " + cpu + ", one of its node's");
            assertTrue(cpusTakenOnNode.computeIfAbsent(node, n -> new HashSet<>()).add(cpu),
                name + " shares CPU " + cpu + " with another loop of node " + node + ": " + cpusOfLoop);
        });
    }

    @Test
    void theLoopsOfANodeArePinnedToDistinctCpusOfIt()
    {
        assertTheLoopsOfEachNodeAreOnDistinctCpusOfIt(numa);
    }

    @Test
    void aLoopThatGoesIdleGivesItsCachedMemoryBackWithinTwoPeriods() throws InterruptedException
    {
        try (NodeEventLoops loops = NodeEventLoops.createNio(numa, 1))
        {
            loops.runOnEachLoop(() ->
            {
                final long[] addresses = new long[100];
                for (int i = 0; i < addresses.length; i++)
                {
                    addresses[i] = numa.allocate(1000);
                }
                for (final long address : addresses)
                {
                    numa.free(address);
                }
            }, WAIT);
            assertTrue(numa.stats().getCachedBytes() > 0, "the loops' caches hold what they freed");
            final long deadline = System.nanoTime() + NodeEventLoops.IDLE_TRIM_INTERVAL.toNanos() * 5;
            while (numa.stats().getCachedBytes() > 0 && System.nanoTime() < deadline)
            {
                Thread.sleep(50);
            }
            assertEquals(0, numa.stats().getCachedBytes(), "cached bytes after the loops were idle");
            assertEquals(0, numa.stats().getUsedBytes());
        }
    }

    @Test
    void nioLoopsComeWithNioChannelClasses()
    {
        try (NodeEventLoops loops = NodeEventLoops.createNio(numa, 1))
        {
            assertEquals(false, loops.isEpoll());
            assertSame(NioServerSocketChannel.class, loops.serverChannelClass());
            assertSame(NioSocketChannel.class, loops.channelClass());
        }
    }

    @Test
    void createUsesEpollExactlyWhenItIsAvailable()
    {
        try (NodeEventLoops loops = NodeEventLoops.create(numa, 1))
        {
            assertEquals(Epoll.isAvailable(), loops.isEpoll());
            assertSame(Epoll.isAvailable() ? EpollServerSocketChannel.class : NioServerSocketChannel.class,
                loops.serverChannelClass());
            loops.runOnEachLoop(() -> assertEquals(ThreadBinding.EXPLICIT, numa.bindingOfCurrentThread()), WAIT);
        }
    }

    @Test
    void theThreadFactoryTakesTheNodesInTurnAndBindsBeforeTheTaskRuns() throws InterruptedException
    {
        final ThreadFactory factory = NodeEventLoops.threadFactory(numa, "custom");
        final int[] nodes = numa.nodes();
        for (int k = 0; k < nodes.length * 2; k++)
        {
            final AtomicReference<LoopFacts> seen = new AtomicReference<>();
            final CountDownLatch done = new CountDownLatch(1);
            final Thread thread = factory.newThread(() ->
            {
                seen.set(new LoopFacts(numa));
                done.countDown();
            });
            assertEquals("custom-node" + nodes[k % nodes.length] + "-" + k, thread.getName());
            assertTrue(thread.isDaemon());
            thread.start();
            assertTrue(done.await(WAIT.toMillis(), TimeUnit.MILLISECONDS));
            thread.join(WAIT.toMillis());
            assertEquals(ThreadBinding.EXPLICIT, seen.get().binding);
            assertEquals(nodes[k % nodes.length], seen.get().node);
        }
    }

    @Test
    void closedFromOneOfItsOwnLoopsItDoesNotWaitForThatLoop() throws Exception
    {
        final NodeEventLoops loops = NodeEventLoops.createNio(numa, 2);
        loops.runOnEachLoop(() -> { }, WAIT); // every loop's thread started
        final long start = System.nanoTime();
        final Future<?> closed = loops.group().next().submit(loops::close);
        assertTrue(closed.await(WAIT.toMillis(), TimeUnit.MILLISECONDS), "close() on a loop returned");
        final long tookMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertTrue(closed.isSuccess(), () -> String.valueOf(closed.cause()));
        // it cannot wait for its own loop, which ends only once close() has returned; the others it may
        assertTrue(tookMillis < 5_000, "close() on a loop took " + tookMillis + " ms, waiting for itself");
        assertTrue(loops.group().awaitTermination(WAIT.toMillis(), TimeUnit.MILLISECONDS), "the group terminates");
    }

    @Test
    void lessThanOneThreadPerNodeIsRejected()
    {
        assertThrows(IllegalArgumentException.class, () -> NodeEventLoops.createNio(numa, 0));
        assertThrows(IllegalArgumentException.class, () -> NodeEventLoops.create(numa, -1));
    }
}
