package io.numaslab.allocator.netty;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.numaslab.allocator.NumaAllocator;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** How a {@link NumaByteBufAllocator} is made, and its process-wide {@link NumaByteBufAllocator#DEFAULT}. */
class NumaByteBufAllocatorTest
{
    @Test
    void theDefaultAllocatorServesDirectBuffersFromTheProcessWideNumaAllocator()
    {
        final ByteBufAllocator alloc = NumaByteBufAllocator.DEFAULT;
        final ByteBuf buf = alloc.directBuffer(1000).writeLong(7);
        assertTrue(buf instanceof NumaByteBuf);
        assertEquals(7, buf.readLong());
        final NumaAllocator memory = NumaByteBufAllocator.DEFAULT.numaAllocator();
        assertNotNull(memory);
        assertSame(memory, new NumaByteBufAllocator().numaAllocator(), "one default NumaAllocator per process");
        assertTrue(memory.stats().getUsedBytes() >= 1000);
        assertTrue(buf.release());
        assertTrue(NumaByteBufAllocator.DEFAULT.toString().startsWith("NumaByteBufAllocator("));
    }

    @Test
    void aHeapAllocatorCanBeChosen()
    {
        try (NumaAllocator numa = NumaAllocator.builder().jmx(false).build())
        {
            final PooledByteBufAllocator pooled = new PooledByteBufAllocator(false);
            final NumaByteBufAllocator alloc = new NumaByteBufAllocator(numa, pooled, true);
            assertSame(pooled, alloc.heapAllocator());
            assertSame(numa, alloc.numaAllocator());
            final ByteBuf heap = alloc.heapBuffer(100);
            assertSame(pooled, heap.alloc());
            heap.release();
            assertTrue(new NumaByteBufAllocator(numa).heapAllocator() instanceof UnpooledByteBufAllocator);
            assertTrue(alloc.toString().contains("nodes"), alloc.toString());
        }
    }

    @Test
    void badConstructorArgumentsAreRejected()
    {
        assertThrows(NullPointerException.class, () -> new NumaByteBufAllocator(null));
        try (NumaAllocator numa = NumaAllocator.builder().jmx(false).build())
        {
            final NumaByteBufAllocator alloc = new NumaByteBufAllocator(numa);
            assertThrows(IllegalArgumentException.class, () -> new NumaByteBufAllocator(numa, alloc, true));
        }
    }

    @Test
    void aBufferGrowsUpToTheAllocatorsMaximumAndNoFurther()
    {
        try (NumaAllocator small = NumaAllocator.builder().jmx(false).maxAllocationBytes(100_000).build())
        {
            final NumaByteBufAllocator alloc = new NumaByteBufAllocator(small);
            final ByteBuf buf = alloc.directBuffer(65_536);
            assertEquals(100_000, buf.maxCapacity(), "Netty's default maximum, capped at the allocator's");
            buf.writeZero(65_536);
            buf.writeByte(1); // doubling would ask for 131072: it is capped at 100000
            assertEquals(65_537, buf.writerIndex());
            assertTrue(buf.capacity() <= 100_000, "capacity " + buf.capacity());
            assertEquals(1, buf.ensureWritable(100_000, false), "Netty's answer for 'cannot grow that far'");
            assertThrows(IndexOutOfBoundsException.class, () -> buf.writeZero(100_000), "as Netty's own buffers do");
            buf.release();
            assertThrows(IllegalArgumentException.class, () -> alloc.directBuffer(100_001));
        }
    }

    @Test
    void buffersReleasedOnAnotherThreadCountAsKeptUntilTheirThreadTakesThem() throws InterruptedException
    {
        try (NumaAllocator numa = NumaAllocator.builder().jmx(false).build())
        {
            final NumaByteBufAllocator alloc = new NumaByteBufAllocator(numa);
            alloc.directBuffer(8).release(); // this thread's cache now serves this allocator
            final long base = alloc.metric().usedDirectMemory() - alloc.keptBufferBytes();
            final java.util.List<ByteBuf> bufs = new java.util.ArrayList<>();
            for (int i = 0; i < 40; i++)
            {
                bufs.add(alloc.directBuffer(1000));
            }
            final Thread other = new Thread(() -> bufs.forEach(ByteBuf::release));
            other.start();
            other.join();
            assertEquals(base, alloc.metric().usedDirectMemory() - alloc.keptBufferBytes(),
                "used minus kept is back at its baseline: " + alloc.metric());
        }
    }

    @Test
    void aClosedNumaAllocatorFailsAllocationsWithIllegalState()
    {
        final NumaAllocator numa = NumaAllocator.builder().jmx(false).build();
        final NumaByteBufAllocator alloc = new NumaByteBufAllocator(numa);
        alloc.directBuffer(8).release();
        numa.close();
        assertThrows(IllegalStateException.class, () -> alloc.directBuffer(8));
    }

    @Test
    void aPageRunBufferReleasedAfterItsNumaAllocatorClosedReleasesWithoutThrowing()
    {
        final NumaAllocator numa = NumaAllocator.builder().jmx(false).build();
        final ByteBuf buf = new NumaByteBufAllocator(numa).directBuffer(100_000); // past the slabs' largest class
        numa.close();
        assertTrue(assertDoesNotThrow(() -> buf.release()));
        assertEquals(0, buf.refCnt());
    }

    @Test
    void moreSmallBuffersThanTheThreadsCacheKeepsReleaseWithoutThrowingAfterTheNumaAllocatorClosed()
    {
        final NumaAllocator numa = NumaAllocator.builder().jmx(false).build();
        final NumaByteBufAllocator alloc = new NumaByteBufAllocator(numa);
        final List<ByteBuf> bufs = new ArrayList<>();
        for (int i = 0; i < 2 * ThreadBufferCache.BUFFERS_PER_CLASS; i++)
        {
            bufs.add(alloc.directBuffer(64));
        }
        numa.close();
        for (final ByteBuf buf : bufs)
        {
            assertTrue(assertDoesNotThrow(() -> buf.release()));
        }
    }

    @Test
    void aSmallBufferReleasedOnAnotherThreadAfterTheNumaAllocatorClosedReleasesWithoutThrowing() throws Exception
    {
        final NumaAllocator numa = NumaAllocator.builder().jmx(false).build();
        final NumaByteBufAllocator alloc = new NumaByteBufAllocator(numa);
        final ByteBuf freed = alloc.directBuffer(64);
        numa.trimCurrentThreadCache(); // this thread takes back none it allocated until now: freed is freed
        final ByteBuf queued = alloc.directBuffer(64); // given back to this thread, through its queue
        numa.close();
        CompletableFuture.runAsync(() ->
        {
            assertTrue(assertDoesNotThrow(() -> freed.release()));
            assertTrue(assertDoesNotThrow(() -> queued.release()));
        }).get(10, TimeUnit.SECONDS);
    }
}
