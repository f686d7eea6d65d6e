package io.numaslab.allocator.netty;

import io.netty.buffer.ByteBuf;
import io.numaslab.allocator.NumaAllocator;
import io.numaslab.hugepages.PageKind;
import io.numaslab.numa.Numa;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A thread that rebinds to another node never gets a kept buffer of its old node: rebinding frees what it kept, and
 * a buffer allocated before and released after is not kept. Placement is checked with move_pages. Runs inside
 * ../shared/numa-vm (see .ci/multinode).
 */
@Tag("multinode")
@Timeout(120)
class ThreadBufferCacheMultiNodeTest
{
    private static final int SIZE = 16 * 1024;
    private static final long PAGE_BYTES = 4096;

    private static int[] nodesOf(final ByteBuf buf)
    {
        buf.setZero(0, buf.capacity()); // fault every page in
        return Numa.nodesOfPages(buf.memoryAddress(), buf.capacity(), PAGE_BYTES);
    }

    private static void assertAllOn(final int node, final ByteBuf buf)
    {
        final int[] nodes = nodesOf(buf);
        assertTrue(Arrays.stream(nodes).allMatch(n -> n == node),
            "a buffer of a thread bound to node " + node + " has pages on " + Arrays.toString(nodes));
    }

    @Test
    void aThreadThatRebindsGetsBuffersOfItsNewNodeOnly() throws Exception
    {
        // on a thread of its own, so that its binding does not outlive the test
        ThreadBufferCacheTest.onAnotherThread(ThreadBufferCacheMultiNodeTest::rebind);
    }

    private static void rebind()
    {
        try (NumaAllocator numa = NumaAllocator.builder().jmx(false).build())
        {
            final int[] nodes = numa.nodes();
            assertTrue(nodes.length >= 2, "needs two nodes, has " + Arrays.toString(nodes));
            final NumaByteBufAllocator alloc = new NumaByteBufAllocator(numa);
            numa.bindCurrentThread(nodes[0]);
            final ByteBuf held = alloc.directBuffer(SIZE);
            assertAllOn(nodes[0], held);
            final ByteBuf kept = alloc.directBuffer(SIZE);
            assertAllOn(nodes[0], kept);
            kept.release();
            assertEquals(SIZE, ThreadBufferCache.bytesKept(numa), "released on its thread: kept");

            numa.bindCurrentThread(nodes[1]);
            assertEquals(0, ThreadBufferCache.bytesKept(numa), "rebinding frees what the thread kept");
            held.release();
            assertEquals(0, ThreadBufferCache.bytesKept(numa), "memory of the old node is not kept");
            for (int i = 0; i < 4; i++)
            {
                final ByteBuf fresh = alloc.directBuffer(SIZE);
                assertAllOn(nodes[1], fresh);
                fresh.release();
            }
            assertEquals(SIZE, ThreadBufferCache.bytesKept(numa), "a buffer of the new node is kept");
            numa.trimCurrentThreadCache();
        }
    }

    @Test
    void memoryThatAnotherNodeServedGoesHomeWhenReleasedInsteadOfBeingKept() throws Exception
    {
        ThreadBufferCacheTest.onAnotherThread(ThreadBufferCacheMultiNodeTest::fallBack);
    }

    private static void fallBack()
    {
        try (NumaAllocator numa = NumaAllocator.builder().jmx(false).pageKind(PageKind.SMALL)
            .bytesLimitPerNode(4 << 20).fallbackToOtherNodes(true).build())
        {
            final int[] nodes = numa.nodes();
            assertTrue(nodes.length >= 2, "needs two nodes, has " + Arrays.toString(nodes));
            final NumaByteBufAllocator alloc = new NumaByteBufAllocator(numa);
            numa.bindCurrentThread(nodes[0]);
            final List<Long> fillers = new ArrayList<>();
            while (numa.nodeStats(nodes[0]).getFallbacks() == 0)
            {
                fillers.add(numa.allocate(SIZE)); // until node 0 is full and another node serves
            }
            final ByteBuf remote = alloc.directBuffer(SIZE);
            final int servedBy = nodesOf(remote)[0];
            assertNotEquals(nodes[0], servedBy, "node " + nodes[0] + " is full: another node serves");
            final long remoteAddress = remote.memoryAddress();
            remote.release();
            assertEquals(0, ThreadBufferCache.bytesKept(numa), "memory of node " + servedBy + " is not kept");
            for (final long filler : fillers)
            {
                numa.free(filler);
            }
            final ByteBuf local = alloc.directBuffer(SIZE);
            assertNotEquals(remoteAddress, local.memoryAddress(), "the other node's slot came back");
            assertAllOn(nodes[0], local);
            local.release();
            numa.trimCurrentThreadCache();
        }
    }
}
