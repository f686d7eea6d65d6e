package io.numaslab.allocator;

import io.numaslab.hugepages.PageKind;
import org.junit.jupiter.api.Test;

import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/**
 * Threads allocate, write a pattern, hand the buffers to other threads that verify and free them. Nothing may be
 * handed out twice (a concurrent set of live addresses), no pattern may be disturbed, and at the end every
 * counter is back to zero.
 */
class CrossThreadStressTest
{
    static final long END = -1;

    @Test
    void buffersHandedBetweenThreadsAreNeverSharedAndAllComeBack() throws InterruptedException
    {
        try (NumaAllocator allocator = NumaAllocator.builder().jmx(false).pageKind(PageKind.SMALL).build())
        {
            runStress(allocator, 4, 50_000);
            for (final int node : allocator.nodes())
            {
                assertEquals(0, allocator.nodeStats(node).getUsedBytes(), "node " + node + " used");
                assertEquals(0, allocator.nodeStats(node).getCachedBytes(), "node " + node + " cached");
                assertEquals(0, allocator.nodeStats(node).getPendingRemoteFrees(), "node " + node + " pending");
                assertEquals(allocator.nodeStats(node).getAllocations(), allocator.nodeStats(node).getFrees());
            }
        }
    }

    /**
     * Runs producer/consumer pairs: producer i allocates and writes, consumer (i + 1) % pairs verifies and frees.
     * Every thread ends; then maintenance reclaims their caches. The optional {@code nodeOf} pins thread i.
     */
    static void runStress(final NumaAllocator allocator, final int pairs, final int perProducer) throws InterruptedException
    {
        runStress(allocator, pairs, perProducer, null);
    }

    static void runStress(final NumaAllocator allocator, final int pairs, final int perProducer,
        final java.util.function.IntConsumer bindThread) throws InterruptedException
    {
        final ConcurrentHashMap<Long, Boolean> live = new ConcurrentHashMap<>();
        final AtomicReference<Throwable> failure = new AtomicReference<>();
        final Thread[] threads = new Thread[pairs * 2];
        @SuppressWarnings("unchecked")
        final BlockingQueue<long[]>[] queues = new BlockingQueue[pairs];
        for (int i = 0; i < pairs; i++)
        {
            queues[i] = new ArrayBlockingQueue<>(1024);
        }
        for (int i = 0; i < pairs; i++)
        {
            final int id = i;
            final BlockingQueue<long[]> out = queues[(i + 1) % pairs];
            threads[i] = new Thread(() -> guarded(failure, () ->
            {
                if (bindThread != null)
                {
                    bindThread.accept(id);
                }
                final java.util.Random random = new java.util.Random(id);
                for (int k = 0; k < perProducer && failure.get() == null; k++)
                {
                    final int size = 1 + random.nextInt(random.nextInt(10) == 0 ? 200_000 : 2048);
                    final long address = allocator.allocate(size);
                    assertNull(live.put(address, Boolean.TRUE), "handed out twice: 0x" + Long.toHexString(address));
                    Memory.fill(address, size, address);
                    out.put(new long[] {address, size});
                }
                out.put(new long[] {END, 0});
            }), "producer-" + i);
            final BlockingQueue<long[]> in = queues[i];
            threads[pairs + i] = new Thread(() -> guarded(failure, () ->
            {
                if (bindThread != null)
                {
                    bindThread.accept(pairs + id);
                }
                while (true)
                {
                    final long[] item = in.take();
                    if (item[0] == END)
                    {
                        return;
                    }
                    Memory.verify(item[0], (int)item[1], item[0]);
                    live.remove(item[0]);
                    allocator.free(item[0]);
                }
            }), "consumer-" + i);
        }
        for (final Thread t : threads)
        {
            t.start();
        }
        for (final Thread t : threads)
        {
            t.join();
        }
        if (failure.get() != null)
        {
            throw new AssertionError("a stress thread failed", failure.get());
        }
        allocator.maintainNow();
        assertEquals(0, live.size());
    }

    interface Body
    {
        void run() throws Exception;
    }

    private static void guarded(final AtomicReference<Throwable> failure, final Body body)
    {
        try
        {
            body.run();
        }
        catch (final Throwable t)
        {
            failure.compareAndSet(null, t);
        }
    }

    /** Writes and checks a pattern derived from a seed, 8 bytes at a time then byte by byte. */
    static final class Memory
    {
        private static final sun.misc.Unsafe UNSAFE = unsafe();

        static void fill(final long address, final int size, final long seed)
        {
            int i = 0;
            for (; i + 8 <= size; i += 8)
            {
                UNSAFE.putLong(address + i, seed * 31 + i);
            }
            for (; i < size; i++)
            {
                UNSAFE.putByte(address + i, (byte)(seed + i));
            }
        }

        static void verify(final long address, final int size, final long seed)
        {
            int i = 0;
            for (; i + 8 <= size; i += 8)
            {
                if (UNSAFE.getLong(address + i) != seed * 31 + i)
                {
                    throw new AssertionError("0x" + Long.toHexString(address) + " corrupted at +" + i);
                }
            }
            for (; i < size; i++)
            {
                if (UNSAFE.getByte(address + i) != (byte)(seed + i))
                {
                    throw new AssertionError("0x" + Long.toHexString(address) + " corrupted at +" + i);
                }
            }
        }

        private static sun.misc.Unsafe unsafe()
        {
            try
            {
                final java.lang.reflect.Field f = sun.misc.Unsafe.class.getDeclaredField("theUnsafe");
                f.setAccessible(true);
                return (sun.misc.Unsafe)f.get(null);
            }
            catch (final ReflectiveOperationException ex)
            {
                throw new IllegalStateException(ex);
            }
        }
    }
}
