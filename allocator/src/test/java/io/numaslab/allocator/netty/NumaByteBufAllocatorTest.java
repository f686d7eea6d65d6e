package io.numaslab.allocator.netty;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.numaslab.allocator.NumaAllocator;
import org.junit.jupiter.api.Test;

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
    void aClosedNumaAllocatorFailsAllocationsWithIllegalState()
    {
        final NumaAllocator numa = NumaAllocator.builder().jmx(false).build();
        final NumaByteBufAllocator alloc = new NumaByteBufAllocator(numa);
        alloc.directBuffer(8).release();
        numa.close();
        assertThrows(IllegalStateException.class, () -> alloc.directBuffer(8));
    }
}
