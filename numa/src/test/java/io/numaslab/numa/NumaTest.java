package io.numaslab.numa;

import com.sun.jna.Memory;
import com.sun.jna.Pointer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class NumaTest
{
    private static final long PAGE = 4096;

    @AfterEach
    void resetThreadPolicy()
    {
        if (Numa.isSupported())
        {
            Numa.setMempolicy(MemoryPolicy.DEFAULT, new int[0]);
        }
    }

    @Test
    void currentCpuIsOneThisThreadMayRunOnAndCurrentNodeIsItsNode()
    {
        assumeTrue(Numa.isSupported(), "needs Linux NUMA calls");
        final int[] pinnedTo = Numa.currentThreadCpus();
        try
        {
            // Pin so that the CPU cannot change between getcpu and the lookup.
            Numa.pinCurrentThread(pinnedTo[pinnedTo.length - 1]);
            assertEquals(pinnedTo[pinnedTo.length - 1], Numa.currentCpu());
            assertEquals(NumaTopology.read().nodeOfCpu(Numa.currentCpu()), Numa.currentNode());
        }
        finally
        {
            Numa.setCurrentThreadCpus(pinnedTo);
        }
    }

    @Test
    void threadPolicyReadsBackAsSet()
    {
        assumeTrue(Numa.isSupported(), "needs Linux NUMA calls");
        final int node = NumaTopology.read().memoryNodeIds()[0];

        assertTrue(Numa.setMempolicy(MemoryPolicy.BIND, new int[] {node}));
        final ThreadMemoryPolicy policy = Numa.getMempolicy();

        assertEquals(MemoryPolicy.BIND, policy.policy());
        assertArrayEquals(new int[] {node}, policy.nodes());
        Numa.setMempolicy(MemoryPolicy.DEFAULT, new int[0]);
        assertEquals(MemoryPolicy.DEFAULT, Numa.getMempolicy().policy());
    }

    @Test
    void policiesOfNewerKernelsReadBackAsSet()
    {
        assumeTrue(Numa.isSupported(), "needs Linux NUMA calls");
        final int node = NumaTopology.read().memoryNodeIds()[0];
        for (final MemoryPolicy newer : new MemoryPolicy[] {MemoryPolicy.PREFERRED_MANY, MemoryPolicy.WEIGHTED_INTERLEAVE})
        {
            try
            {
                Numa.setMempolicy(newer, new int[] {node});
            }
            catch (final NumaException ex)
            {
                assumeTrue(ex.errno() != Errno.EINVAL, "this kernel has no " + newer + ": " + ex.getMessage());
                throw ex;
            }
            final ThreadMemoryPolicy policy = Numa.getMempolicy();
            assertEquals(newer, policy.policy());
            assertArrayEquals(new int[] {node}, policy.nodes());
            Numa.setMempolicy(MemoryPolicy.DEFAULT, new int[0]);
        }
    }

    @Test
    void mbindOfUnmappedRangeNamesCallAndErrno()
    {
        assumeTrue(Numa.isSupported(), "needs Linux NUMA calls");

        final NumaException ex = assertThrows(NumaException.class,
            () -> Numa.mbind(PAGE * 16, PAGE, MemoryPolicy.BIND, new int[] {0}));

        assertEquals(Errno.EFAULT, ex.errno());
        assertTrue(ex.getMessage().startsWith("mbind(0x10000, 4096 bytes, BIND, nodes 0) failed: EFAULT"), ex.getMessage());
    }

    @Test
    void mbindToNodeThatDoesNotExistIsEinval()
    {
        assumeTrue(Numa.isSupported(), "needs Linux NUMA calls");
        final Memory memory = new Memory(3 * PAGE);
        final long aligned = (Pointer.nativeValue(memory) + PAGE - 1) & -PAGE;

        final NumaException ex = assertThrows(NumaException.class,
            () -> Numa.mbind(aligned, PAGE, MemoryPolicy.BIND, new int[] {99}));

        assertEquals("EINVAL", ex.errnoName());
        assertTrue(ex.getMessage().contains("nodes 99"), ex.getMessage());
    }

    @Test
    void nodesOfPagesReportsTouchedPagesOnTheirNodeAndUnmappedAsEfault()
    {
        assumeTrue(Numa.isSupported(), "needs Linux NUMA calls");
        final Memory memory = new Memory(4 * PAGE);
        final long aligned = (Pointer.nativeValue(memory) + PAGE - 1) & -PAGE;
        memory.setByte(aligned - Pointer.nativeValue(memory), (byte)1);

        final int node = Numa.nodesOfPages(aligned, PAGE, PAGE)[0];
        assertTrue(NumaTopology.read().hasNode(node), "touched page is on a real node, got " + node);
        final int[] unmapped = Numa.nodesOfPages(PAGE * 16, 2 * PAGE, PAGE);
        assertEquals(-Errno.EFAULT, unmapped[0], Arrays.toString(unmapped));
    }

    @Test
    void badArgumentsAreRejectedBeforeTheKernel()
    {
        assertThrows(IllegalArgumentException.class, () -> Numa.mbind(0, PAGE, MemoryPolicy.BIND, new int[0]));
        assertThrows(IllegalArgumentException.class, () -> Numa.mbind(0, PAGE, MemoryPolicy.DEFAULT, new int[] {0}));
        assertThrows(IllegalArgumentException.class, () -> Numa.mbind(0, PAGE, MemoryPolicy.BIND, new int[] {5000}));
        assertThrows(IllegalArgumentException.class, () -> Numa.nodesOfPages(0, 0, PAGE));
    }
}
