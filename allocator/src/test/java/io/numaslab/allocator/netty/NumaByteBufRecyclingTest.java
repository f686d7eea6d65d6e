package io.numaslab.allocator.netty;

import io.netty.buffer.ByteBuf;
import io.netty.util.IllegalReferenceCountException;
import io.netty.util.ResourceLeakDetector;
import io.numaslab.allocator.NumaAllocator;
import org.jctools.queues.SpscArrayQueue;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Buffer objects are recycled: allocate + release in a steady state makes no garbage, on one thread and across two,
 * and a released buffer cannot be reached through a stale reference while it waits in the pool.
 */
class NumaByteBufRecyclingTest
{
    private static final int WARM_UP_CYCLES = 300_000;
    private static final int MEASURED_CYCLES = 1_000_000;
    /** What the measuring itself may allocate, and a little slack: far below one byte per cycle. */
    private static final long GARBAGE_BOUND_BYTES = 64 * 1024;

    private static NumaAllocator numa;
    private NumaByteBufAllocator alloc;
    private ResourceLeakDetector.Level levelBefore;

    @BeforeAll
    static void openAllocator()
    {
        numa = NumaAllocator.builder().jmx(false).build();
    }

    @AfterAll
    static void closeAllocator()
    {
        numa.close();
    }

    @BeforeEach
    void createAllocator()
    {
        levelBefore = ResourceLeakDetector.getLevel();
        ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.DISABLED);
        alloc = new NumaByteBufAllocator(numa);
    }

    @AfterEach
    void restoreLevel()
    {
        ResourceLeakDetector.setLevel(levelBefore);
    }

    private static com.sun.management.ThreadMXBean threads()
    {
        return (com.sun.management.ThreadMXBean)ManagementFactory.getThreadMXBean();
    }

    private static long cycle(final NumaByteBufAllocator alloc, final byte[] payload, final int i)
    {
        final ByteBuf buf = alloc.directBuffer((i & 3) == 0 ? 64 : (i & 3) == 1 ? 1024 : (i & 3) == 2 ? 300 : 16384);
        buf.writeLong(i).writeBytes(payload);
        final ByteBuf slice = buf.readRetainedSlice(8);
        final long value = slice.getLong(0) + buf.getByte(buf.readerIndex());
        slice.release();
        buf.release();
        return value;
    }

    @Test
    void allocateWriteReleaseInASteadyStateMakesNoGarbage()
    {
        final byte[] payload = new byte[100];
        long sum = 0;
        for (int i = 0; i < WARM_UP_CYCLES; i++)
        {
            sum += cycle(alloc, payload, i);
        }
        final long before = threads().getCurrentThreadAllocatedBytes();
        for (int i = 0; i < MEASURED_CYCLES; i++)
        {
            sum += cycle(alloc, payload, i);
        }
        final long garbage = threads().getCurrentThreadAllocatedBytes() - before;
        assertTrue(sum != 42);
        assertTrue(garbage < GARBAGE_BOUND_BYTES, garbage + " bytes allocated over " + MEASURED_CYCLES +
            " allocate/write/slice/release cycles");
    }

    @Test
    void allocatingOnOneThreadAndReleasingOnAnotherMakesNoGarbage() throws Exception
    {
        final SpscArrayQueue<ByteBuf> handoff = new SpscArrayQueue<>(256);
        final int warmUp = 200_000;
        final int cycles = warmUp + 200_000;
        final AtomicLong consumerGarbage = new AtomicLong();
        final CompletableFuture<Void> consumer = CompletableFuture.runAsync(() ->
        {
            long before = 0;
            for (int i = 0; i < cycles; i++)
            {
                if (i == warmUp)
                {
                    before = threads().getCurrentThreadAllocatedBytes();
                }
                ByteBuf buf;
                while ((buf = handoff.poll()) == null)
                {
                    Thread.yield();
                }
                buf.release();
            }
            consumerGarbage.set(threads().getCurrentThreadAllocatedBytes() - before);
            numa.trimCurrentThreadCache();
        });
        long before = 0;
        for (int i = 0; i < cycles; i++)
        {
            if (i == warmUp)
            {
                before = threads().getCurrentThreadAllocatedBytes();
            }
            final ByteBuf buf = alloc.directBuffer(512).writeInt(i);
            while (!handoff.offer(buf))
            {
                Thread.yield();
            }
        }
        final long producerGarbage = threads().getCurrentThreadAllocatedBytes() - before;
        consumer.get(30, TimeUnit.SECONDS);
        assertTrue(producerGarbage < GARBAGE_BOUND_BYTES, "allocating thread: " + producerGarbage + " bytes over " +
            (cycles - warmUp) + " cycles");
        assertTrue(consumerGarbage.get() < GARBAGE_BOUND_BYTES, "releasing thread: " + consumerGarbage.get() +
            " bytes over " + (cycles - warmUp) + " cycles");
    }

    @Test
    void aStaleReferenceToAPooledBufferThrowsAndCannotPoolItTwice()
    {
        final ByteBuf stale = alloc.directBuffer(64);
        stale.release();
        assertThrows(IllegalReferenceCountException.class, stale::release);
        assertThrows(IllegalReferenceCountException.class, stale::retain);
        assertThrows(IllegalReferenceCountException.class, () -> stale.writeByte(1));
        final ByteBuf first = alloc.directBuffer(64);
        final ByteBuf second = alloc.directBuffer(64);
        assertNotSame(first, second, "the object was pooled once only");
        assertTrue(first == stale || second == stale);
        assertEquals(1, first.refCnt());
        assertEquals(1, second.refCnt());
        first.release();
        second.release();
    }

    @Test
    void buffersReleasedOnAnotherThreadGoBackToTheThreadThatMadeThem() throws Exception
    {
        final ExecutorService maker = Executors.newSingleThreadExecutor();
        try
        {
            final List<ByteBuf> made = maker.submit(() ->
            {
                final List<ByteBuf> bufs = new ArrayList<>();
                for (int i = 0; i < 100; i++)
                {
                    bufs.add(alloc.directBuffer(128));
                }
                return bufs;
            }).get(10, TimeUnit.SECONDS);
            final Set<ByteBuf> objects = Collections.newSetFromMap(new IdentityHashMap<>());
            objects.addAll(made);
            made.forEach(ByteBuf::release);
            final int reused = maker.submit(() ->
            {
                int count = 0;
                final List<ByteBuf> again = new ArrayList<>();
                for (int i = 0; i < 100; i++)
                {
                    final ByteBuf buf = alloc.directBuffer(128);
                    again.add(buf);
                    count += objects.contains(buf) ? 1 : 0;
                }
                again.forEach(ByteBuf::release);
                numa.trimCurrentThreadCache();
                return count;
            }).get(10, TimeUnit.SECONDS);
            assertEquals(100, reused, "released here, reused by the thread that made them");
        }
        finally
        {
            maker.shutdown();
        }
    }

    @Test
    void eachThreadKeepsABoundedNumberOfObjects()
    {
        final int count = BufferRecycler.MAX_POOLED_PER_THREAD * 3;
        final List<ByteBuf> first = new ArrayList<>();
        for (int i = 0; i < count; i++)
        {
            first.add(alloc.directBuffer(16));
        }
        final Set<ByteBuf> objects = Collections.newSetFromMap(new IdentityHashMap<>());
        objects.addAll(first);
        first.forEach(ByteBuf::release);
        int reused = 0;
        final List<ByteBuf> second = new ArrayList<>();
        for (int i = 0; i < count; i++)
        {
            final ByteBuf buf = alloc.directBuffer(16);
            second.add(buf);
            reused += objects.contains(buf) ? 1 : 0;
        }
        second.forEach(ByteBuf::release);
        // the thread's pool of objects, and the buffers its cache kept with their memory
        assertEquals(BufferRecycler.MAX_POOLED_PER_THREAD + ThreadBufferCache.BUFFERS_PER_CLASS, reused);
    }
}
