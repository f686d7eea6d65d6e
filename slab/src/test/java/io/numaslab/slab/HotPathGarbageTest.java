package io.numaslab.slab;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.lang.management.ManagementFactory;
import org.junit.jupiter.api.Test;

/** Allocating and freeing a small class whose slab has room must not allocate Java objects. */
class HotPathGarbageTest
{
    private static final int ROUNDS = 200_000;

    private static com.sun.management.ThreadMXBean threadBean()
    {
        final java.lang.management.ThreadMXBean bean = ManagementFactory.getThreadMXBean();
        assumeTrue(bean instanceof com.sun.management.ThreadMXBean, "this JVM cannot count allocated bytes");
        final com.sun.management.ThreadMXBean sunBean = (com.sun.management.ThreadMXBean)bean;
        assumeTrue(sunBean.isThreadAllocatedMemorySupported() && sunBean.isThreadAllocatedMemoryEnabled());
        return sunBean;
    }

    @Test
    void allocateAndFreeOfASmallClassMakeNoGarbage()
    {
        final com.sun.management.ThreadMXBean bean = threadBean();
        final ChunkTable table = new ChunkTable(Chunk.DEFAULT_SIZE_BYTES);
        final SlabHeap heap = new SlabHeap(FakeChunkSource.unlimited(Chunk.DEFAULT_SIZE_BYTES), table, 1);
        final long keepsTheSlab = heap.allocate(100); // the slab stays in use, so the loop never carves or retires one
        final long[] addresses = new long[16];
        long checksum = churn(heap, addresses); // warm up: the first slabs, class loading, JIT
        final long threadId = Thread.currentThread().getId();
        bean.getThreadAllocatedBytes(threadId);

        final long before = bean.getThreadAllocatedBytes(threadId);
        checksum += churn(heap, addresses);
        final long allocatedBytes = bean.getThreadAllocatedBytes(threadId) - before;

        assertTrue(allocatedBytes < 1024, allocatedBytes + " bytes allocated in " + ROUNDS + " rounds");
        assertTrue(checksum != 0);
        heap.free(keepsTheSlab);
        assertEquals(0, heap.usedBytes());
    }

    /** Rounds of: allocate 16 small blocks of mixed sizes, ask their usable size, free them. */
    private static long churn(final SlabHeap heap, final long[] addresses)
    {
        long checksum = 0;
        for (int round = 0; round < ROUNDS; round++)
        {
            for (int i = 0; i < addresses.length; i++)
            {
                addresses[i] = heap.allocate(1 + (i * 37) % 120);
                checksum += heap.usableSize(addresses[i]);
            }
            for (final long address : addresses)
            {
                heap.free(address);
            }
        }
        return checksum;
    }
}
