package io.numaslab.allocator;

import io.numaslab.numa.CpuList;
import io.numaslab.numa.NumaNode;
import io.numaslab.numa.NumaTopology;
import net.openhft.affinity.Affinity;

import java.util.BitSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Pins threads to CPUs of a NUMA node, through OpenHFT Java-Thread-Affinity, and tells which node a thread
 * is pinned to. A thread whose allowed CPUs all lie on one node (pinned here, by {@code AffinityLock}, or by
 * {@code taskset}/cgroups) belongs to that node.
 */
public final class NodeAffinity
{
    /**
     * The next turn on each node's CPUs. One counter per node, not one for all: threads pinned to nodes in turn
     * (node 0, 1, 0, 1 ...) would otherwise give each node every other count, and a node whose CPU count shares a
     * factor with the node count would stack its threads on some CPUs and leave others unused (2 nodes of 2 CPUs:
     * every thread of a node on one CPU).
     */
    private static final ConcurrentMap<Integer, AtomicInteger> NEXT_CPU = new ConcurrentHashMap<>();
    private static volatile NumaTopology topology;

    private NodeAffinity()
    {
    }

    /**
     * Pins the calling thread to one allowed CPU of the node, taking the node's CPUs in turn so that threads
     * pinned to the node one after another spread over them, whatever is pinned to other nodes in between.
     *
     * @param node the node.
     * @return the CPU the thread is now pinned to.
     * @throws IllegalArgumentException if the node does not exist or this process may use none of its CPUs.
     */
    public static int pinCurrentThreadToNode(final int node)
    {
        final NumaNode target = topology().node(node);
        final int[] cpus = target.allowedCpus();
        if (cpus.length == 0)
        {
            throw new IllegalArgumentException("node " + node + " has no CPU this process may run on (cpus " +
                CpuList.format(target.cpus()) + ")");
        }
        final int turn = NEXT_CPU.computeIfAbsent(node, n -> new AtomicInteger()).getAndIncrement();
        final int cpu = cpus[Math.floorMod(turn, cpus.length)];
        Affinity.setAffinity(cpu);
        return cpu;
    }

    /**
     * The node the calling thread is pinned to, from its CPU affinity mask.
     *
     * @return the node whose CPUs hold every CPU the thread may run on, or -1 if they span several nodes
     *     (not pinned to one) or the mask cannot be read.
     */
    public static int pinnedNodeOfCurrentThread()
    {
        final BitSet cpus = Affinity.getAffinity();
        if (cpus == null || cpus.isEmpty())
        {
            return -1;
        }
        final NumaTopology t = topology();
        int node = -1;
        for (int cpu = cpus.nextSetBit(0); cpu >= 0; cpu = cpus.nextSetBit(cpu + 1))
        {
            final int n = t.nodeOfCpu(cpu);
            if (n < 0 || (node >= 0 && n != node))
            {
                return -1;
            }
            node = n;
        }
        return node;
    }

    /**
     * Whether the calling thread's allowed CPUs are fewer than the process's: pinned by someone.
     *
     * @return true if the thread may run on fewer CPUs than the machine's topology lists as allowed.
     */
    static boolean isCurrentThreadRestricted()
    {
        final BitSet cpus = Affinity.getAffinity();
        int allowed = 0;
        for (final NumaNode node : topology().nodes())
        {
            allowed += node.allowedCpus().length;
        }
        return cpus != null && !cpus.isEmpty() && cpus.cardinality() < allowed;
    }

    private static NumaTopology topology()
    {
        NumaTopology t = topology;
        if (t == null)
        {
            t = NumaTopology.read();
            topology = t;
        }
        return t;
    }
}
